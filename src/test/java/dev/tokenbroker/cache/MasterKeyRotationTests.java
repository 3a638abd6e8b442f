package dev.tokenbroker.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.support.Secret;
import dev.tokenbroker.vault.StoredSecret;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A request that read a secret just before the vault changed again hands {@link MasterKeyRotation#serving} a version
 * the vault no longer shows: it must not move the rotation back (the race behind a refused key reported twice).
 */
class MasterKeyRotationTests {

    private static final StoredSecret OLD = new StoredSecret("wml", "v1", Map.of("apikey", Secret.of("old")));
    private static final StoredSecret NEW = new StoredSecret("wml", "v2", Map.of("apikey", Secret.of("new")));

    private final AtomicReference<StoredSecret> vault = new AtomicReference<>(OLD);
    private final MasterKeyRotation rotation = new MasterKeyRotation(Duration.ofSeconds(1), name -> vault.get());

    @Test
    void servingWhenAStaleReadOfAnUndoneVersionArrivesAfterTheUndoThenItDoesNotComeBackAsCandidate() {
        assertThat(rotation.serving(OLD)).isSameAs(OLD);
        vault.set(NEW);
        assertThat(rotation.serving(NEW)).isSameAs(OLD);
        assertThat(rotation.refused(NEW, "iam rejected", Instant.EPOCH))
                .as("first refusal: reported")
                .isTrue();
        vault.set(OLD);
        rotation.serving(OLD);
        assertThat(rotation.pending()).isEmpty();

        assertThat(rotation.serving(NEW)).as("read before the undo").isSameAs(OLD);

        assertThat(rotation.pending()).isEmpty();
        assertThat(rotation.isServing(OLD)).isTrue();
    }

    @Test
    void servingWhenAStaleReadOfTheProvenVersionArrivesAfterANewVersionThenTheCandidateStays() {
        rotation.serving(OLD);
        vault.set(NEW);
        rotation.serving(NEW);
        assertThat(rotation.refused(NEW, "iam rejected", Instant.EPOCH)).isTrue();

        rotation.serving(OLD);

        assertThat(rotation.pending())
                .singleElement()
                .satisfies(pending -> assertThat(pending.failedAttempts()).isEqualTo(1));
        assertThat(rotation.refused(NEW, "iam rejected", Instant.EPOCH))
                .as("the same candidate's second refusal: not reported again")
                .isFalse();
        assertThat(rotation.isServing(OLD)).isFalse();
    }
}
