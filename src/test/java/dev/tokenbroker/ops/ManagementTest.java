package dev.tokenbroker.ops;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.OPS_KEY;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestBroker;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Base of the tests on the management port: a client for it, a Prometheus scrape, and scripted traffic. */
abstract class ManagementTest extends BrokerIntegrationTest {

    static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {};

    @LocalManagementPort
    int managementPort;

    @Autowired
    MeterRegistry meters;

    /** A client of the management port that presents this key, or none when {@code key} is null. */
    WebTestClient management(String key) {
        return WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + managementPort)
                .responseTimeout(Duration.ofSeconds(30))
                .defaultHeaders(headers -> {
                    if (key != null) {
                        headers.setBearerAuth(key);
                    }
                })
                .build();
    }

    /** {@code GET /actuator/prometheus} as the ops caller. */
    PrometheusScrape scrape() {
        String text = management(OPS_KEY)
                .get()
                .uri("/actuator/prometheus")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        return PrometheusScrape.parse(text);
    }

    /** The cache of IAM tokens. */
    dev.tokenbroker.cache.TokenCache<?> iamCache() {
        return issuer.caches().stream()
                .filter(cache -> cache.kind().equals("iam-token"))
                .findFirst()
                .orElseThrow();
    }

    /** The access token a caller gets, asserting 200. */
    String accessTokenFor(String key, String credential) {
        Map<String, Object> body = iamToken(key, credential)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();
        return (String) body.get("access_token");
    }

    /**
     * Lets wml-prod's refresh fail: moves the clock past its refresh point with IAM answering 503 to every attempt,
     * asks once (which starts the refresh), and waits for the failure. The entry keeps serving (stale while valid).
     * Nothing but wml-prod may be cached, or other due refreshes would take the scripted answers.
     */
    void failRefreshOfWmlProd(String callerKey) {
        double failuresBefore = refreshFailures();
        for (int attempt = 0; attempt <= 3; attempt++) { // the first try and tokenbroker.iam.http.max-retries (3)
            IAM.enqueueError(503, "BXNIM0002E", "Service unavailable");
        }
        TestBroker.CLOCK.advance(Duration.ofSeconds(2900));

        iamToken(callerKey, "wml-prod").exchange().expectStatus().isOk();

        await().atMost(Duration.ofSeconds(20)).until(() -> refreshFailures() > failuresBefore);
        assertThat(refreshFailures()).isEqualTo(failuresBefore + 1);
    }

    private double refreshFailures() {
        var counter = meters.find("tokenbroker.cache.refreshes")
                .tags("credential", "wml-prod", "outcome", "failure")
                .counter();
        return counter == null ? 0 : counter.count();
    }

    /**
     * Sends {@code requests} concurrent requests for wml-prod (which must not be cached) while IAM holds its answer,
     * waits until all but the first joined the one mint, then lets IAM answer.
     */
    void concurrentRequestsWhileIamHolds(int requests) {
        double joinsBefore = joins();
        IAM.hold();
        WebClient web = WebClient.create("http://127.0.0.1:" + port);
        Mono<List<String>> all = Flux.range(0, requests)
                .flatMap(i -> web.post()
                        .uri("/v1/credentials/wml-prod/iam-token")
                        .headers(headers -> headers.setBearerAuth(SCORER_KEY))
                        .retrieve()
                        .bodyToMono(Map.class)
                        .map(body -> (String) body.get("access_token")))
                .collectList()
                .cache();
        all.subscribe();

        await().atMost(Duration.ofSeconds(20)).until(() -> joins() >= joinsBefore + requests - 1);
        IAM.release();

        List<String> tokens = all.block(Duration.ofSeconds(20));
        assertThat(tokens).hasSize(requests);
        assertThat(new HashSet<>(tokens)).hasSize(1);
    }

    private double joins() {
        var counter = meters.find("tokenbroker.cache.joins")
                .tags("credential", "wml-prod")
                .counter();
        return counter == null ? 0 : counter.count();
    }
}
