package dev.tokenbroker.cache;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.COMPUTE_RESOURCE;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.KEYLESS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.LoadClients;
import dev.tokenbroker.testing.TestBroker;
import dev.tokenbroker.testing.TestCrTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.resources.ConnectionProvider;

/** Trusted-profile credentials in the shared broker: the kubelet's token rotation, single flight. */
class TrustedProfileIntegrationTests extends BrokerIntegrationTest {

    private static final Path ROTATING = TestBroker.CR_TOKENS.resolve("rotating");
    private static final AtomicInteger ROTATIONS = new AtomicInteger();

    @Test
    void refreshWhenKubeletRotatedTheTokenFileThenTheNewContentMintsAndCallersNeverFail() throws IOException {
        String oldCrToken = Files.readString(ROTATING.resolve("sa-token"));
        String first = accessToken(KEYLESS_KEY, "cos-rotating");
        String newCrToken = "eyJhbGciOiJSUzI1NiJ9.CRCANARY0rotated" + ROTATIONS.incrementAndGet() + ".c2ln";
        IAM.addCrToken(newCrToken, COMPUTE_RESOURCE);

        TestCrTokens.rotate(ROTATING, "sa-token", newCrToken);
        IAM.expireCrToken(oldCrToken);
        Map<String, Object> oldTokenRefused = askIamDirectly(oldCrToken);
        CLOCK.advance(Duration.ofSeconds(2881)); // past 80% of the token's 3600 s, whatever the jitter
        List<Integer> statuses = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            ResponseEntity<Map<String, Object>> answer = request("cos-rotating").block(Duration.ofSeconds(10));
            statuses.add(answer.getStatusCode().value());
            return !first.equals(answer.getBody().get("access_token"));
        });
        String refreshed = accessToken(KEYLESS_KEY, "cos-rotating");

        assertThat(Files.readString(ROTATING.resolve("sa-token"))).isEqualTo(newCrToken);
        assertThat(oldTokenRefused).containsEntry("errorCode", IamSimulator.INVALID_TOKEN);
        assertThat(statuses).isNotEmpty().containsOnly(200);
        assertThat(IAM.crTokenThatMinted(first)).isEqualTo(oldCrToken);
        assertThat(IAM.crTokenThatMinted(refreshed)).isEqualTo(newCrToken);
        assertThat(IAM.requests())
                .extracting(request -> request.form().get("cr_token"))
                .containsExactly(oldCrToken, oldCrToken, newCrToken);
        assertThat(IAM.requests().get(2).form())
                .containsEntry("grant_type", IamSimulator.CR_TOKEN_GRANT)
                .containsEntry("profile_name", "cos-rotating");
        assertThat(issuer.caches().get(0).operations().entries())
                .filteredOn(entry -> entry.credential().equals("cos-rotating"))
                .singleElement()
                .satisfies(entry -> {
                    assertThat(entry.secretVersion()).isEqualTo(CredentialIssuer.PROFILE_VERSION);
                    assertThat(entry.mints()).isEqualTo(2);
                    assertThat(entry.lastRefreshOutcome()).isEqualTo("success");
                });
    }

    @Test
    void iamTokenWhenFiveHundredConcurrentRequestsOnColdTrustedProfileThenOneIamCall() {
        int callers = 500;
        AtomicInteger sent = new AtomicInteger();
        ConnectionProvider pool = LoadClients.pool(callers);
        WebClient load = LoadClients.concurrent(port, pool, sent);
        IAM.hold();

        List<ResponseEntity<Map<String, Object>>> responses;
        try {
            Mono<List<ResponseEntity<Map<String, Object>>>> all = Flux.range(0, callers)
                    .flatMap(i -> request(load, "cos-reader"), callers)
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
                .singleElement()
                .satisfies(token ->
                        assertThat(IAM.profileThatMinted((String) token)).isEqualTo("Profile-cos-reader"));
    }

    private Mono<ResponseEntity<Map<String, Object>>> request(String credential) {
        return request(WebClient.create("http://127.0.0.1:" + port), credential);
    }

    private static Mono<ResponseEntity<Map<String, Object>>> request(WebClient client, String credential) {
        return client.post()
                .uri("/v1/credentials/{name}/iam-token", credential)
                .headers(headers -> headers.setBearerAuth(KEYLESS_KEY))
                .retrieve()
                .toEntity(JSON);
    }

    // What IAM answers anyone who presents the old token now (the broker does not: it reads the file at each mint).
    private static Map<String, Object> askIamDirectly(String crToken) {
        return WebClient.create(IAM.url())
                .post()
                .uri("/identity/token")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("grant_type=" + IamSimulator.CR_TOKEN_GRANT + "&cr_token=" + crToken
                        + "&profile_name=cos-rotating")
                .exchangeToMono(response -> response.bodyToMono(JSON))
                .block(Duration.ofSeconds(10));
    }
}
