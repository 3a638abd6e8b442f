package dev.tokenbroker.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.TokenBrokerApplication;
import dev.tokenbroker.vault.FileSecretRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class CredentialRegistryTests {

    @TempDir
    Path vault;

    @Test
    void loadWhenConfigurationBrokenThenEveryProblemOnItsOwnLine() throws IOException {
        Files.createDirectories(vault.resolve("half-iot"));
        Files.writeString(vault.resolve("half-iot/apikey"), "a-org-key");
        Map<String, CredentialProperties.Definition> credentials = new LinkedHashMap<>();
        credentials.put("typo", new CredentialProperties.Definition("iam-key", null, null, Duration.ofHours(1)));
        credentials.put(
                "no-secret", new CredentialProperties.Definition("iam-apikey", null, null, Duration.ofHours(1)));
        credentials.put("half-iot", new CredentialProperties.Definition("iot-app", null, "org1", Duration.ofHours(1)));
        credentials.put("Bad_Name", new CredentialProperties.Definition("iam-apikey", null, null, Duration.ofHours(1)));
        FileSecretRepository secrets =
                new FileSecretRepository(vault, Duration.ofHours(1), Duration.ZERO, System::nanoTime);

        try {
            assertThatThrownBy(() -> CredentialRegistry.load(new CredentialProperties(credentials), secrets))
                    .isInstanceOf(InvalidConfigurationException.class)
                    .satisfies(error -> assertThat(((InvalidConfigurationException) error).problems())
                            .containsExactlyInAnyOrder(
                                    "credential 'typo': unknown type 'iam-key' (expected one of iam-apikey, iot-app)",
                                    "credential 'no-secret': secret 'no-secret' not found",
                                    "credential 'half-iot': secret 'half-iot' has no field 'token'",
                                    "credential 'Bad_Name': name must match [a-z0-9][a-z0-9-]{0,62}"));
        } finally {
            secrets.stop();
        }
    }

    @Test
    void startWhenCredentialMissingFromVaultThenFailsFastWithClearLine(CapturedOutput output) {
        SpringApplicationBuilder app = new SpringApplicationBuilder(TokenBrokerApplication.class)
                .web(WebApplicationType.NONE)
                .properties(
                        "tokenbroker.vault.file.directory=" + vault,
                        "tokenbroker.credentials.wml-prod.type=iam-apikey",
                        "tokenbroker.audit.salt=x");

        assertThatThrownBy(app::run).hasRootCauseInstanceOf(InvalidConfigurationException.class);
        assertThat(output)
                .contains("token-broker cannot start:", "  - credential 'wml-prod': secret 'wml-prod' not found");
    }
}
