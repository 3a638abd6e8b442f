package dev.tokenbroker.iot;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.IOT;
import static dev.tokenbroker.testing.TestBroker.IOT_ORG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import reactor.test.StepVerifier;

class IotKeySweeperIntegrationTests extends BrokerIntegrationTest {

    @Autowired
    IotKeyProvider provider;

    @Autowired
    IotProperties properties;

    @Autowired
    IotKeyLedger ledger;

    @Autowired
    IotKeySweeper contextSweeper;

    @Test
    void startWhenBrokerRestartsThenTaggedExpiredKeysAreDeletedAndAllOthersLeftAlone() {
        Instant now = CLOCK.instant();
        // Minted by a process that died before it could revoke it.
        String lost = IOT.seed(
                IOT_ORG,
                "token-broker credential=factory-iot roles=PD_STANDARD_APP instance=deadbeef0000 nonce=8000000000000001",
                now.minusSeconds(1));
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

        IotKeySweeper restarted = sweeper();
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

        StepVerifier.create(sweeper().sweep()).expectNext(0).verifyComplete();

        assertThat(IOT.live()).extracting(key -> key.key()).containsExactly(valid, untagged);
    }

    @Test
    void sweepWhenPlatformRefusesTheMasterKeyThenLogsAndCompletes() {
        String expired =
                IOT.seed(IOT_ORG, "token-broker credential=factory-iot roles=PD_STANDARD_APP", CLOCK.instant());
        IOT.refuseMasterKey(true);

        StepVerifier.create(sweeper().sweep()).expectNext(0).verifyComplete();

        assertThat(IOT.isLive(expired)).isTrue();
        IOT.refuseMasterKey(false);
        StepVerifier.create(sweeper().sweep()).expectNext(1).verifyComplete();
    }

    @Test
    void sweepWhenKeyTaggedByThisProcessIsNeitherTrackedNorBeingCreatedThenDeletesItBeforeItsExpiry() {
        Instant later = CLOCK.instant().plus(Duration.ofMinutes(30));
        String mine = "token-broker credential=factory-iot roles=PD_STANDARD_APP instance=" + ledger.instance();
        String orphan = IOT.seed(IOT_ORG, mine + " nonce=8000000000000002", later);
        String inFlight = ledger.creating();
        String beingCreated = IOT.seed(IOT_ORG, mine + " nonce=" + inFlight, later);
        String otherProcess = IOT.seed(
                IOT_ORG,
                "token-broker credential=factory-iot roles=PD_STANDARD_APP instance=0123456789ab nonce=8000000000000003",
                later);

        StepVerifier.create(contextSweeper.sweep()).expectNext(1).verifyComplete();
        ledger.created(inFlight);

        assertThat(IOT.wasDeleted(orphan)).isTrue();
        assertThat(IOT.live()).extracting(key -> key.key()).containsExactly(beingCreated, otherProcess);
    }

    // The sweeper of a broker that starts anew: another process, with a ledger of its own.
    private IotKeySweeper sweeper() {
        return new IotKeySweeper(
                registry, issuer, provider, new IotKeyLedger(), properties, CLOCK, new SimpleMeterRegistry());
    }
}
