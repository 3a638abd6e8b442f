package dev.tokenbroker.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.credential.CredentialProperties;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.credential.InvalidConfigurationException;
import dev.tokenbroker.vault.FileSecretRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class SinkValidationTests {

    @TempDir
    Path vault;

    @TempDir
    Path sinks;

    private FileSecretRepository secrets;
    private CredentialRegistry registry;

    @BeforeEach
    void registry() throws IOException {
        Files.createDirectories(vault.resolve("wml-prod"));
        Files.writeString(vault.resolve("wml-prod/apikey"), "key");
        Files.createDirectories(vault.resolve("factory-iot"));
        Files.writeString(vault.resolve("factory-iot/apikey"), "a-org-key");
        Files.writeString(vault.resolve("factory-iot/token"), "token");
        Path crToken = Files.writeString(sinks.resolve("sa-token"), "eyJ.cr.token");
        secrets = new FileSecretRepository(vault, Duration.ofHours(1), Duration.ZERO, System::nanoTime);
        registry = CredentialRegistry.load(
                new CredentialProperties(Map.of(
                        "wml-prod", new CredentialProperties.Definition("iam-apikey", null, null, Duration.ofHours(1)),
                        "factory-iot",
                                new CredentialProperties.Definition("iot-app", null, "org1", Duration.ofHours(1)),
                        "cos-reader",
                                new CredentialProperties.Definition(
                                        "iam-trusted-profile",
                                        null,
                                        null,
                                        null,
                                        "Profile-1",
                                        null,
                                        null,
                                        null,
                                        crToken.toString()))),
                secrets);
    }

    @AfterEach
    void close() {
        secrets.stop();
    }

    @Test
    void checkWhenSinksValidThenOneTargetEachWithNormalisedPath() {
        SinkProperties properties = properties(
                new SinkProperties.Sink("wml-prod", sinks + "/./wml-prod.token", SinkFormat.RAW),
                new SinkProperties.Sink("wml-prod", sinks + "/wml-prod.json", SinkFormat.JSON));

        List<SinkTarget> targets = SinkValidation.check(properties, registry);

        assertThat(targets)
                .extracting(target -> target.credential().name(), SinkTarget::path, SinkTarget::format)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "wml-prod", sinks.resolve("wml-prod.token"), SinkFormat.RAW),
                        org.assertj.core.groups.Tuple.tuple(
                                "wml-prod", sinks.resolve("wml-prod.json"), SinkFormat.JSON));
    }

    @Test
    void checkWhenSinkNamesATrustedProfileCredentialThenItIsATarget() {
        SinkProperties properties =
                properties(new SinkProperties.Sink("cos-reader", sinks + "/cos.token", SinkFormat.RAW));

        List<SinkTarget> targets = SinkValidation.check(properties, registry);

        assertThat(targets).singleElement().satisfies(target -> {
            assertThat(target.credential().name()).isEqualTo("cos-reader");
            assertThat(target.path()).isEqualTo(sinks.resolve("cos.token"));
        });
    }

    @Test
    void bindWhenFormatOmittedThenRawAndCheckIntervalDefaultsToTenSeconds() {
        MapConfigurationPropertySource source = new MapConfigurationPropertySource(Map.of(
                "tokenbroker.sinks[0].credential", "wml-prod",
                "tokenbroker.sinks[0].path", "/var/run/token-broker/a",
                "tokenbroker.sinks[1].credential", "wml-prod",
                "tokenbroker.sinks[1].path", "/var/run/token-broker/b",
                "tokenbroker.sinks[1].format", "json"));

        SinkProperties bound =
                new Binder(source).bind("tokenbroker", SinkProperties.class).get();

        assertThat(bound.sinks())
                .extracting(SinkProperties.Sink::format)
                .containsExactly(SinkFormat.RAW, SinkFormat.JSON);
        assertThat(bound.sinkCheckInterval()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void checkWhenNoSinksThenNoTargets() {
        assertThat(SinkValidation.check(properties(), registry)).isEmpty();
    }

    @Test
    void checkWhenConfigurationBrokenThenEveryProblemOnItsOwnLine() {
        SinkProperties properties = properties(
                new SinkProperties.Sink("nope", sinks + "/a", SinkFormat.RAW),
                new SinkProperties.Sink("factory-iot", sinks + "/b", SinkFormat.RAW),
                new SinkProperties.Sink("wml-prod", "relative/c", SinkFormat.RAW),
                new SinkProperties.Sink("wml-prod", sinks + "/missing/d", SinkFormat.RAW),
                new SinkProperties.Sink("wml-prod", sinks + "/e", SinkFormat.RAW),
                new SinkProperties.Sink("wml-prod", sinks + "/e", SinkFormat.JSON),
                new SinkProperties.Sink(null, null, SinkFormat.RAW));

        assertThatThrownBy(() -> SinkValidation.check(properties, registry))
                .isInstanceOfSatisfying(
                        InvalidConfigurationException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "sink 0 (tokenbroker.sinks[0]): credential 'nope' is not configured",
                                        "sink 1 (tokenbroker.sinks[1]): credential 'factory-iot' is of type iot-app; only"
                                                + " credentials that mint IAM tokens can be written to files",
                                        "sink 2 (tokenbroker.sinks[2]): path 'relative/c' must be absolute",
                                        "sink 3 (tokenbroker.sinks[3]): folder '" + sinks.resolve("missing")
                                                + "' does not exist",
                                        "sink 5 (tokenbroker.sinks[5]): path '" + sinks.resolve("e")
                                                + "' is already written by another sink",
                                        "sink 6 (tokenbroker.sinks[6]): 'credential' is required",
                                        "sink 6 (tokenbroker.sinks[6]): 'path' is required"));
    }

    private static SinkProperties properties(SinkProperties.Sink... sinks) {
        return new SinkProperties(List.of(sinks), Duration.ofSeconds(10));
    }
}
