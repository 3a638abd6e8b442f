package dev.tokenbroker.edge;

import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.SeparateBroker;
import dev.tokenbroker.testing.TestSockets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One client address may hold at most {@code tokenbroker.server.max-connections-per-address} connections on each
 * server; loopback is not exempt. A broker of its own with a limit of 4 (and the default, long, idle timeout, so
 * that held connections stay open for the whole test).
 */
class ConnectionLimitIntegrationTests {

    private static final int LIMIT = 4;
    private static final Duration BOUND = Duration.ofSeconds(10);

    private static ConfigurableApplicationContext broker;

    private final List<Socket> held = new ArrayList<>();

    @BeforeAll
    static void start() {
        broker = SeparateBroker.start(List.of("--tokenbroker.server.max-connections-per-address=" + LIMIT));
        // Health is 503 until the test world's file sinks are first written (DESIGN §6), a few milliseconds on.
        await().atMost(BOUND).until(() -> health() == 200);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @AfterEach
    void closeHeld() throws IOException {
        for (Socket socket : held) {
            socket.close();
        }
    }

    @Test
    void connectWhenAddressHoldsTheLimitThenTheNextIsClosedAndServedAgainOnceOneCloses() throws Exception {
        int port = SeparateBroker.port(broker);
        for (int i = 0; i < LIMIT; i++) {
            held.add(servedConnection(port));
        }

        boolean overLimitClosed;
        try (Socket overLimit = TestSockets.open(port)) {
            TestSockets.send(overLimit, listRequest());
            overLimitClosed = TestSockets.closedWithin(overLimit, BOUND);
        }

        assertThat(overLimitClosed).isTrue();
        assertThat(held).allSatisfy(socket -> assertThat(served(socket)).isEqualTo(200));
        held.remove(0).close();
        await().atMost(BOUND).untilAsserted(() -> {
            try (Socket again = TestSockets.open(port)) {
                assertThat(served(again)).isEqualTo(200);
            }
        });
    }

    @Test
    void connectWhenCallerApiLimitIsReachedThenActuatorStillServesTheSameAddress() throws Exception {
        int port = SeparateBroker.port(broker);
        for (int i = 0; i < LIMIT; i++) {
            held.add(servedConnection(port));
        }

        int health = health();

        assertThat(health).isEqualTo(200);
    }

    // The status of GET /actuator/health on a connection of its own, 0 if none came.
    private static int health() {
        try (Socket management = TestSockets.open(SeparateBroker.managementPort(broker))) {
            TestSockets.send(management, "GET /actuator/health HTTP/1.1\r\nHost: broker\r\n\r\n");
            TestSockets.Response response = TestSockets.read(management, BOUND);
            return response == null ? 0 : response.status();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // A connection proven open and counted: it has been answered once and is kept alive.
    private Socket servedConnection(int port) {
        Socket socket = TestSockets.open(port);
        assertThat(served(socket)).isEqualTo(200);
        return socket;
    }

    private static int served(Socket socket) {
        TestSockets.send(socket, listRequest());
        TestSockets.Response response = TestSockets.read(socket, BOUND);
        return response == null ? -1 : response.status();
    }

    private static String listRequest() {
        return "GET /v1/credentials HTTP/1.1\r\nHost: broker\r\nAuthorization: Bearer " + SCORER_KEY + "\r\n\r\n";
    }
}
