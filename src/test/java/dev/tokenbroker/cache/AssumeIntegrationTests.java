package dev.tokenbroker.cache;

import static dev.tokenbroker.testing.TestBroker.ASSUME_ONLY_KEY;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.IAM_ACCOUNT;
import static dev.tokenbroker.testing.TestBroker.KEYLESS_KEY;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_PROD_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.LoadClients;
import dev.tokenbroker.testing.TestBroker;
import dev.tokenbroker.vault.SecretRepository;
import dev.tokenbroker.vault.StoredSecret;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.resources.ConnectionProvider;

/**
 * {@code iam-assume} credentials: a master key's token traded for a trusted profile's with the assume grant, single
 * flight for both calls, the apikey credential's entry shared, an entry of its own otherwise, and make-before-break
 * rotation of the master key.
 */
class AssumeIntegrationTests extends BrokerIntegrationTest {

    private static final String ROTATED_KEY = "MASTERCANARY0assumeonly0rotated";

    @Autowired
    SecretRepository secrets;

    @Test
    void iamTokenWhenThousandConcurrentColdRequestsThenOneApikeyCallThenOneAssumeCallWithItsToken() {
        int callers = 1_000;
        AtomicInteger sent = new AtomicInteger();
        ConnectionProvider pool = LoadClients.pool(callers);
        WebClient load = LoadClients.concurrent(port, pool, sent);
        IAM.hold();

        List<ResponseEntity<Map<String, Object>>> responses;
        try {
            Mono<List<ResponseEntity<Map<String, Object>>>> all = Flux.range(0, callers)
                    .flatMap(
                            i -> load.post()
                                    .uri("/v1/credentials/assumed-staging/iam-token")
                                    .headers(headers -> headers.setBearerAuth(KEYLESS_KEY))
                                    .retrieve()
                                    .toEntity(JSON),
                            callers)
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
        String masterToken = accessToken(SCORER_KEY, "wml-prod");

        assertThat(responses)
                .hasSize(callers)
                .allSatisfy(
                        response -> assertThat(response.getStatusCode().value()).isEqualTo(200));
        List<Object> served = responses.stream()
                .map(response -> response.getBody().get("access_token"))
                .distinct()
                .toList();
        assertThat(served).hasSize(1);
        assertThat(IAM.requests()).hasSize(2);
        assertThat(IAM.requests().get(0).form())
                .containsEntry("grant_type", IamSimulator.APIKEY_GRANT)
                .containsEntry("apikey", WML_PROD_KEY);
        assertThat(IAM.requests().get(1).form())
                .isEqualTo(Map.of(
                        "grant_type",
                        IamSimulator.ASSUME_GRANT,
                        "access_token",
                        masterToken,
                        "profile_id",
                        "Profile-wml-staging"));
        assertThat(IAM.keyThatMinted(masterToken)).isEqualTo(WML_PROD_KEY);
        assertThat(IAM.profileThatMinted((String) served.get(0))).isEqualTo("Profile-wml-staging");
    }

    @Test
    void iamTokenWhenNoApikeyCredentialSharesTheSecretThenTheMasterTokenHasAnEntryOfItsOwn() {
        String assumed = accessToken(KEYLESS_KEY, "assumed-batch");
        String again = accessToken(KEYLESS_KEY, "assumed-batch");

        assertThat(again).isEqualTo(assumed);
        assertThat(IAM.requests()).hasSize(2);
        String masterToken = IAM.requests().get(1).form().get("access_token");
        assertThat(IAM.keyThatMinted(masterToken)).isEqualTo(ASSUME_ONLY_KEY);
        assertThat(IAM.requests().get(1).form())
                .isEqualTo(Map.of(
                        "grant_type",
                        IamSimulator.ASSUME_GRANT,
                        "access_token",
                        masterToken,
                        "profile_name",
                        "wml-batch",
                        "account",
                        IAM_ACCOUNT));
        assertThat(IAM.profileThatMinted(assumed)).isEqualTo("Profile-wml-batch");
        assertThat(issuer.caches())
                .flatExtracting(cache -> cache.operations().entries())
                .filteredOn(entry -> entry.credential().equals("assumed-batch"))
                .extracting(CacheEntryView::kind)
                .containsExactlyInAnyOrder("iam-token", CredentialIssuer.MASTER_TOKENS);
    }

    @Test
    void rotationWhenAssumeOnlyMasterKeyChangesThenProvenByAnApikeyMintThenAssumedWithTheNewKey() {
        String first = accessToken(KEYLESS_KEY, "assumed-batch");
        String oldVersion = version("iam-token");
        IAM.addKey(ROTATED_KEY);
        IAM.trustApikey("Profile-wml-batch", ROTATED_KEY);

        rotateTo(ROTATED_KEY);
        String afterRotation;
        try {
            afterRotation = accessToken(KEYLESS_KEY, "assumed-batch");
        } finally {
            rotateTo(ASSUME_ONLY_KEY);
        }

        assertThat(afterRotation).isNotEqualTo(first);
        assertThat(IAM.requests().subList(0, 4))
                .extracting(request -> request.form().get("grant_type"))
                .containsExactly(
                        IamSimulator.APIKEY_GRANT,
                        IamSimulator.ASSUME_GRANT,
                        IamSimulator.APIKEY_GRANT,
                        IamSimulator.ASSUME_GRANT);
        assertThat(IAM.requests().get(2).form()).containsEntry("apikey", ROTATED_KEY);
        assertThat(IAM.keyThatMinted(IAM.requests().get(3).form().get("access_token")))
                .isEqualTo(ROTATED_KEY);
        assertThat(oldVersion).isNotNull();
        assertThat(IAM.requests().get(4).form()).containsEntry("apikey", ASSUME_ONLY_KEY);
    }

    // Writes the key and waits for its proof: the master-token entry of the new version, nothing pending.
    private void rotateTo(String apikey) {
        TestBroker.writeSecret("assume-only", "apikey", apikey);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            StoredSecret known = secrets.known("assume-only");
            return known != null
                    && known.require("apikey").reveal().equals(apikey)
                    && known.version().equals(version(CredentialIssuer.MASTER_TOKENS))
                    && issuer.pendingRotations().isEmpty();
        });
    }

    // The master-key version of assumed-batch's entry in the cache of that kind, or null.
    private String version(String kind) {
        return issuer.caches().stream()
                .filter(cache -> cache.kind().equals(kind))
                .flatMap(cache -> cache.operations().entries().stream())
                .filter(entry -> entry.credential().equals("assumed-batch"))
                .map(CacheEntryView::secretVersion)
                .findFirst()
                .orElse(null);
    }
}
