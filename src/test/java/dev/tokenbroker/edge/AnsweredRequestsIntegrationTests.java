package dev.tokenbroker.edge;

import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.RequestTracker;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A request answered before its end had been read (no body to read: a list, a 401) is let go once answered.
 * Reactor Netty stops a request's read and request timeouts only when it reads the request's end; an answer finished
 * first used to leave both timers, and with them the request, reachable for the whole 10 s read timeout.
 */
class AnsweredRequestsIntegrationTests extends BrokerIntegrationTest {

    private static final int REQUESTS = 50;

    @Autowired
    private RequestTracker requests;

    @BeforeEach
    void track() {
        requests.reset();
    }

    @Test
    void getWhenAnsweredThenTheRequestIsLetGo() {
        for (int i = 0; i < REQUESTS; i++) {
            client.get()
                    .uri("/v1/credentials")
                    .headers(headers -> headers.setBearerAuth(SCORER_KEY))
                    .header(RequestTracker.HEADER, "yes")
                    .exchange()
                    .expectStatus()
                    .isOk();
        }

        assertLetGo();
    }

    @Test
    void postWhenRefusedBeforeAnyBodyThenTheRequestIsLetGo() {
        for (int i = 0; i < REQUESTS; i++) {
            iamToken("tbk_unknownunknownunknownunknownunknown00", "wml-prod")
                    .header(RequestTracker.HEADER, "yes")
                    .exchange()
                    .expectStatus()
                    .isUnauthorized();
        }

        assertLetGo();
    }

    // Each connection's latest request may stay with it; the others must go well before the read timeout.
    private void assertLetGo() {
        assertThat(requests.tracked()).isEqualTo(REQUESTS);
        await().atMost(Duration.ofSeconds(5)).until(() -> requests.alive() <= 2);
    }
}
