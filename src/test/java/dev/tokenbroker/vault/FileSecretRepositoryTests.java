package dev.tokenbroker.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.problem.SecretNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

class FileSecretRepositoryTests {

    @TempDir
    Path vault;

    private FileSecretRepository repository;

    @AfterEach
    void stop() {
        if (repository != null) {
            repository.stop();
        }
    }

    @Test
    void readWhenKubeletLayoutThenFollowsDataSymlinkTrimsNewlinesAndSkipsHiddenFiles() throws IOException {
        Path data = Files.createDirectories(vault.resolve("..2026_11_23_12_00_00.1/wml-prod"));
        Files.writeString(data.resolve("apikey"), "key-one\r\n\n");
        Files.createSymbolicLink(vault.resolve("..data"), vault.resolve("..2026_11_23_12_00_00.1"));
        Files.createSymbolicLink(vault.resolve("wml-prod"), Path.of("..data/wml-prod"));
        Files.writeString(data.resolve(".hidden"), "ignored");
        repository = new FileSecretRepository(vault, Duration.ofHours(1), Duration.ZERO, System::nanoTime);

        StoredSecret secret = repository.read("wml-prod").block(Duration.ofSeconds(5));

        assertThat(secret.require("apikey").reveal()).isEqualTo("key-one");
        assertThat(secret.fields()).containsOnlyKeys("apikey");
    }

    @Test
    void checkForChangesWhenDataSymlinkSwappedThenNewVersionEmitted() throws IOException {
        Path first = Files.createDirectories(vault.resolve("..v1/wml-prod"));
        Files.writeString(first.resolve("apikey"), "key-one");
        Path second = Files.createDirectories(vault.resolve("..v2/wml-prod"));
        Files.writeString(second.resolve("apikey"), "key-two");
        Files.createSymbolicLink(vault.resolve("..data"), vault.resolve("..v1"));
        Files.createSymbolicLink(vault.resolve("wml-prod"), Path.of("..data/wml-prod"));
        repository = new FileSecretRepository(vault, Duration.ofHours(1), Duration.ZERO, System::nanoTime);
        String firstVersion =
                repository.read("wml-prod").block(Duration.ofSeconds(5)).version();

        StepVerifier.create(repository.changes().next())
                .then(() -> {
                    swapDataLink(vault, "..v2");
                    repository.checkForChanges();
                })
                .assertNext(changed -> {
                    assertThat(changed.version()).isNotEqualTo(firstVersion);
                    assertThat(changed.require("apikey").reveal()).isEqualTo("key-two");
                })
                .verifyComplete();
    }

    @Test
    void readWhenSecretMissingOrNameEscapesThenNotFoundNamingOnlyTheSecret() {
        repository = new FileSecretRepository(vault, Duration.ofHours(1), Duration.ZERO, System::nanoTime);

        StepVerifier.create(repository.read("nope"))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(SecretNotFoundException.class)
                        .hasMessage("secret 'nope' not found"))
                .verify(Duration.ofSeconds(5));
        StepVerifier.create(repository.read("../etc"))
                .expectError(SecretNotFoundException.class)
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void requireWhenFieldMissingThenNamesSecretAndField() throws IOException {
        Files.createDirectories(vault.resolve("factory-iot"));
        Files.writeString(vault.resolve("factory-iot/apikey"), "a-abc-key");
        repository = new FileSecretRepository(vault, Duration.ofHours(1), Duration.ZERO, System::nanoTime);

        StoredSecret secret = repository.read("factory-iot").block(Duration.ofSeconds(5));

        assertThatThrownBy(() -> secret.require("token"))
                .isInstanceOf(SecretNotFoundException.class)
                .hasMessage("secret 'factory-iot' has no field 'token'");
    }

    @Test
    void checkForChangesWhenFieldTruncatedThenRewrittenThenNoNewVersion() throws IOException {
        Files.createDirectories(vault.resolve("wml-prod"));
        Files.writeString(vault.resolve("wml-prod/apikey"), "key-one");
        AtomicLong nanos = new AtomicLong();
        repository = new FileSecretRepository(vault, Duration.ofHours(1), Duration.ofSeconds(3), nanos::get);
        String version =
                repository.read("wml-prod").block(Duration.ofSeconds(5)).version();
        List<StoredSecret> emitted = new CopyOnWriteArrayList<>();
        repository.changes().subscribe(emitted::add);

        Files.writeString(vault.resolve("wml-prod/apikey"), "");
        repository.checkForChanges();
        nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        repository.checkForChanges();
        Files.writeString(vault.resolve("wml-prod/apikey"), "key-o");
        repository.checkForChanges();
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        repository.checkForChanges();
        Files.writeString(vault.resolve("wml-prod/apikey"), "key-one\n");
        repository.checkForChanges();
        nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        repository.checkForChanges();

        assertThat(emitted).isEmpty();
        assertThat(repository.read("wml-prod").block(Duration.ofSeconds(5)).version())
                .isEqualTo(version);
    }

    @Test
    void checkForChangesWhenChangeStaysForSettleWindowThenOneNewVersion() throws IOException {
        Files.createDirectories(vault.resolve("wml-prod"));
        Files.writeString(vault.resolve("wml-prod/apikey"), "key-one");
        AtomicLong nanos = new AtomicLong();
        repository = new FileSecretRepository(vault, Duration.ofHours(1), Duration.ofSeconds(3), nanos::get);
        String first = repository.read("wml-prod").block(Duration.ofSeconds(5)).version();
        List<StoredSecret> emitted = new CopyOnWriteArrayList<>();
        repository.changes().subscribe(emitted::add);

        Files.writeString(vault.resolve("wml-prod/apikey"), "key-two");
        repository.checkForChanges();
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        repository.checkForChanges();
        int beforeSettled = emitted.size();
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        repository.checkForChanges();
        repository.checkForChanges();

        assertThat(beforeSettled).isZero();
        assertThat(emitted).hasSize(1);
        assertThat(emitted.get(0).version()).isNotEqualTo(first);
        assertThat(emitted.get(0).require("apikey").reveal()).isEqualTo("key-two");
    }

    private static void swapDataLink(Path vault, String target) {
        try {
            Path temp = vault.resolve("..data_tmp");
            Files.createSymbolicLink(temp, vault.resolve(target));
            Files.move(
                    temp,
                    vault.resolve("..data"),
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
