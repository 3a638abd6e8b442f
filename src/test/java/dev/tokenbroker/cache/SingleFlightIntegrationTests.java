package dev.tokenbroker.cache;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.LoadClients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.resources.ConnectionProvider;

class SingleFlightIntegrationTests extends BrokerIntegrationTest {

    @Test
    void iamTokenWhenThousandConcurrentRequestsOnColdCredentialThenExactlyOneIamCall() {
        int callers = 1_000;
        AtomicInteger sent = new AtomicInteger();
        // Closed at the end: 1,000 idle connections would count against the per-address limit in the tests after.
        ConnectionProvider pool = LoadClients.pool(callers);
        WebClient load = LoadClients.concurrent(port, pool, sent);
        IAM.hold();

        List<ResponseEntity<Map<String, Object>>> responses;
        try {
            Mono<List<ResponseEntity<Map<String, Object>>>> all = Flux.range(0, callers)
                    .flatMap(i -> request(load), callers)
                    .collectList()
                    .cache();
            all.subscribe();
            await().atMost(Duration.ofSeconds(60)).until(() -> sent.get() == callers);
            IAM.release();
            responses = all.block(Duration.ofSeconds(60));
        } finally {
            IAM.release();
            pool.dispose();
        }

        assertThat(IAM.tokenCalls()).isEqualTo(1);
        assertThat(responses)
                .hasSize(callers)
                .allSatisfy(
                        response -> assertThat(response.getStatusCode().value()).isEqualTo(200));
        assertThat(responses.stream()
                        .map(response -> response.getBody().get("access_token"))
                        .distinct())
                .hasSize(1);
    }

    @Test
    void iamTokenWhenOneCallerCancelsThenOthersStillGetTheSharedMint() {
        AtomicInteger sent = new AtomicInteger();
        WebClient load = LoadClients.concurrent(port, 4, sent);
        IAM.hold();

        Disposable impatient = request(load).subscribe();
        await().atMost(Duration.ofSeconds(10)).until(() -> IAM.tokenCalls() == 1);
        impatient.dispose();
        Mono<ResponseEntity<Map<String, Object>>> patient = request(load).cache();
        patient.subscribe();
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.get() == 2);
        IAM.release();
        ResponseEntity<Map<String, Object>> served = patient.block(Duration.ofSeconds(10));
        ResponseEntity<Map<String, Object>> later = request(load).block(Duration.ofSeconds(10));

        assertThat(served.getStatusCode().value()).isEqualTo(200);
        assertThat(later.getBody().get("access_token"))
                .isEqualTo(served.getBody().get("access_token"));
        assertThat(IAM.tokenCalls()).isEqualTo(1);
    }

    private static Mono<ResponseEntity<Map<String, Object>>> request(WebClient load) {
        return load.post()
                .uri("/v1/credentials/wml-prod/iam-token")
                .headers(headers -> headers.setBearerAuth(SCORER_KEY))
                .retrieve()
                .toEntity(JSON);
    }
}
