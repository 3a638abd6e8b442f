package dev.tokenbroker.edge;

import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.SeparateBroker;
import dev.tokenbroker.testing.TestSockets;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Slow and idle clients are disconnected within the configured timeouts, on the caller API and on the actuator
 * alike. The broker runs with 1 s timeouts (2 s for a whole request body); every wait is bounded generously (10 s)
 * rather than timed tightly, and each slow client is kept busy enough that only the timeout under test can close it.
 */
class SlowClientIntegrationTests {

    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final Duration TRICKLE = Duration.ofMillis(200);

    private static ConfigurableApplicationContext broker;

    @BeforeAll
    static void start() {
        broker = SeparateBroker.start(List.of(
                "--tokenbroker.server.idle-timeout=1s",
                "--tokenbroker.server.header-timeout=1s",
                "--tokenbroker.server.read-timeout=1s",
                "--tokenbroker.server.request-timeout=2s"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void connectionWhenNothingIsSentThenClosedByIdleTimeout(boolean management) throws Exception {
        try (Socket socket = TestSockets.open(port(management))) {

            boolean closed = TestSockets.closedWithin(socket, BOUND);

            assertThat(closed).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void headersWhenPartialThenClosed(boolean management) throws Exception {
        try (Socket socket = TestSockets.open(port(management))) {
            TestSockets.send(socket, "GET /actuator/health HTTP/1.1\r\nHost: broker\r\nX-Half: ");

            boolean closed = TestSockets.closedWithin(socket, BOUND);

            assertThat(closed).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void headersWhenTrickledFasterThanIdleTimeoutThenClosedByHeaderTimeout(boolean management) throws Exception {
        try (Socket socket = TestSockets.open(port(management))) {
            TestSockets.send(socket, "GET /actuator/health HTTP/1.1\r\nHost: broker\r\nX-Slow: ");
            ScheduledExecutorService slowloris = TestSockets.trickle(socket, "abcdefgh", TRICKLE);

            boolean closed = TestSockets.closedWithin(socket, BOUND);

            slowloris.shutdownNow();
            assertThat(closed).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void bodyWhenShorterThanAnnouncedThenClosedByReadTimeout(boolean management) throws Exception {
        try (Socket socket = TestSockets.open(port(management))) {
            TestSockets.send(socket, post("/v1/credentials/wml-prod/iam-token", 100) + "{\"min_vali");

            boolean closed = TestSockets.closedWithin(socket, BOUND);

            assertThat(closed).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void bodyWhenTrickledFasterThanReadTimeoutThenClosedByRequestTimeout(boolean management) throws Exception {
        try (Socket socket = TestSockets.open(port(management))) {
            TestSockets.send(socket, post("/v1/credentials/wml-prod/iam-token", 16_000));
            ScheduledExecutorService slowloris = TestSockets.trickle(socket, "          ", TRICKLE);

            boolean closed = TestSockets.closedWithin(socket, BOUND);

            slowloris.shutdownNow();
            assertThat(closed).isTrue();
        }
    }

    // The caller API reads the body before answering: a body that times out gets a 408 problem if the connection is
    // still there to carry it, else nothing; never a second answer, never a 200 (the actuator has no endpoint that
    // reads a body: it answers 404 at once, which the tests above accept).
    @Test
    void bodyWhenTimedOutOnCallerApiThenAnswered408OrNothing() throws Exception {
        try (Socket socket = TestSockets.open(SeparateBroker.port(broker))) {
            TestSockets.send(socket, post("/v1/credentials/wml-prod/iam-token", 100) + "{\"min_vali");

            String received = TestSockets.receivedUntilClosed(socket, BOUND);

            assertThat(received).isNotNull();
            assertThat(received)
                    .satisfiesAnyOf(
                            nothing -> assertThat(nothing).isEmpty(),
                            answer -> assertThat(answer)
                                    .startsWith("HTTP/1.1 408 ")
                                    .contains("application/problem+json")
                                    .containsOnlyOnce("HTTP/1.1"));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void keepAliveWhenIdleAfterAResponseThenClosedByIdleTimeout(boolean management) throws Exception {
        try (Socket socket = TestSockets.open(port(management))) {
            TestSockets.send(
                    socket,
                    "GET " + (management ? "/actuator/health" : "/v1/credentials") + " HTTP/1.1\r\nHost: broker\r\n"
                            + "Authorization: Bearer " + SCORER_KEY + "\r\n\r\n");
            TestSockets.Response response = TestSockets.read(socket, BOUND);

            boolean closed = TestSockets.closedWithin(socket, BOUND);

            assertThat(response).isNotNull();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.headers()).doesNotContainEntry("connection", "close");
            assertThat(closed).isTrue();
        }
    }

    private static String post(String path, int contentLength) {
        return "POST " + path + " HTTP/1.1\r\nHost: broker\r\nAuthorization: Bearer " + SCORER_KEY + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + contentLength + "\r\n\r\n";
    }

    private static int port(boolean management) {
        return management ? SeparateBroker.managementPort(broker) : SeparateBroker.port(broker);
    }
}
