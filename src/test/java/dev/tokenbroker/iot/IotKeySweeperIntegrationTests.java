package dev.tokenbroker.iot;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.GATEWAY_KEY;
import static dev.tokenbroker.testing.TestBroker.IOT;
import static dev.tokenbroker.testing.TestBroker.IOT_ORG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.vault.SecretRepository;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import reactor.test.StepVerifier;

class IotKeySweeperIntegrationTests extends BrokerIntegrationTest {

    @Autowired
    SecretRepository secrets;

    @Autowired
    IotKeyProvider provider;

    @Autowired
    IotProperties properties;

    @Test
    void startWhenBrokerRestartsThenTaggedExpiredKeysAreDeletedAndAllOthersLeftAlone() {
        String lost = mintThenLoseTheRevoke();
        CLOCK.advance(Duration.ofMinutes(61));
        Instant now = CLOCK.instant();
        String taggedExpired =
                IOT.seed(IOT_ORG, "token-broker credential=factory-iot roles=PD_STANDARD_APP", now.minusSeconds(60));
        String taggedValid = IOT.seed(
                IOT_ORG, "token-broker credential=factory-iot roles=PD_STANDARD_APP", now.plus(Duration.ofMinutes(30)));
        String untaggedExpired =
                IOT.seed(IOT_ORG, "made in the dashboard for the line-3 gateway", now.minusSeconds(3600));
        String otherTagExpired =
                IOT.seed(IOT_ORG, "other-broker credential=factory-iot roles=PD_STANDARD_APP", now.minusSeconds(3600));
        String lookalikeExpired = IOT.seed(
                IOT_ORG, "token-broker-staging credential=factory-iot roles=PD_STANDARD_APP", now.minusSeconds(3600));
        String noComment = IOT.seed(IOT_ORG, null, now.minusSeconds(3600));

        IotKeySweeper restarted = new IotKeySweeper(registry, secrets, provider, properties, CLOCK);
        restarted.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> !IOT.isLive(lost) && !IOT.isLive(taggedExpired));
        } finally {
            restarted.stop();
        }

        assertThat(IOT.wasDeleted(lost)).isTrue();
        assertThat(IOT.wasDeleted(taggedExpired)).isTrue();
        assertThat(IOT.live())
                .extracting(key -> key.key())
                .containsExactlyInAnyOrder(taggedValid, untaggedExpired, otherTagExpired, lookalikeExpired, noComment);
        assertThat(IOT.listCalls()).as("7 keys, 2 per page").isGreaterThanOrEqualTo(4);
    }

    @Test
    void sweepWhenNothingIsDueThenDeletesNothing() {
        Instant now = CLOCK.instant();
        String valid =
                IOT.seed(IOT_ORG, "token-broker credential=factory-iot roles=PD_STANDARD_APP", now.plusSeconds(1));
        String untagged = IOT.seed(IOT_ORG, "someone else's", now.minusSeconds(1));

        StepVerifier.create(new IotKeySweeper(registry, secrets, provider, properties, CLOCK).sweep())
                .expectNext(0)
                .verifyComplete();

        assertThat(IOT.live()).extracting(key -> key.key()).containsExactly(valid, untagged);
    }

    @Test
    void sweepWhenPlatformRefusesTheMasterKeyThenLogsAndCompletes() {
        String expired =
                IOT.seed(IOT_ORG, "token-broker credential=factory-iot roles=PD_STANDARD_APP", CLOCK.instant());
        IOT.refuseMasterKey(true);

        StepVerifier.create(new IotKeySweeper(registry, secrets, provider, properties, CLOCK).sweep())
                .expectNext(0)
                .verifyComplete();

        assertThat(IOT.isLive(expired)).isTrue();
        IOT.refuseMasterKey(false);
        StepVerifier.create(new IotKeySweeper(registry, secrets, provider, properties, CLOCK).sweep())
                .expectNext(1)
                .verifyComplete();
    }

    // A broker that minted a key and died before it could revoke it: here the revoke is refused and the key forgotten.
    private String mintThenLoseTheRevoke() {
        String key = (String) client.post()
                .uri("/v1/credentials/factory-iot/iot-key")
                .headers(headers -> headers.setBearerAuth(GATEWAY_KEY))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(java.util.Map.class)
                .returnResult()
                .getResponseBody()
                .get("auth-key");
        IOT.refuseMasterKey(true);
        issuer.caches().forEach(cache -> cache.evict("factory-iot"));
        await().atMost(Duration.ofSeconds(10)).until(() -> IOT.refusedCalls() > 0);
        IOT.refuseMasterKey(false);
        assertThat(IOT.isLive(key)).isTrue();
        return key;
    }
}
