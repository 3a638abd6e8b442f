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
import java.util.List;
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
                                    "credential 'typo': unknown type 'iam-key' (expected one of iam-apikey, iot-app,"
                                            + " iam-trusted-profile, iam-assume)",
                                    "credential 'no-secret': secret 'no-secret' not found",
                                    "credential 'half-iot': secret 'half-iot' has no field 'token'",
                                    "credential 'Bad_Name': name must match [a-z0-9][a-z0-9-]{0,62}"));
        } finally {
            secrets.stop();
        }
    }

    @Test
    void loadWhenKeylessDefinitionsBrokenThenEveryProblemOnItsOwnLine() throws IOException {
        Path token = Files.writeString(vault.resolve("sa-token"), "eyJ.token.canary");
        Map<String, CredentialProperties.Definition> credentials = new LinkedHashMap<>();
        credentials.put("no-profile", keyless("iam-trusted-profile", null, null, null, null, null, token.toString()));
        credentials.put("two-profiles", keyless("iam-trusted-profile", null, "P-1", "reader", null, null, null));
        credentials.put("no-file", keyless("iam-trusted-profile", null, "P-1", null, null, null, "/nowhere/sa-token"));
        credentials.put("keyed-profile", keyless("iam-trusted-profile", "wml-prod", "P-1", null, null, null, null));
        credentials.put("no-secret", keyless("iam-assume", null, "P-1", null, null, null, null));
        credentials.put("no-account", keyless("iam-assume", "wml-prod", null, "batch", null, null, null));
        credentials.put("stray-account", keyless("iam-assume", "wml-prod", "P-1", null, null, "acc", null));
        credentials.put("apikey-profile", keyless("iam-apikey", null, "P-1", null, null, null, null));
        Files.createDirectories(vault.resolve("wml-prod"));
        Files.writeString(vault.resolve("wml-prod/apikey"), "k");
        FileSecretRepository secrets =
                new FileSecretRepository(vault, Duration.ofHours(1), Duration.ZERO, System::nanoTime);

        try {
            assertThatThrownBy(() -> CredentialRegistry.load(
                            new CredentialProperties(credentials), secrets, List.of(vault.resolve("absent"))))
                    .isInstanceOf(InvalidConfigurationException.class)
                    .satisfies(error -> assertThat(((InvalidConfigurationException) error).problems())
                            .containsExactlyInAnyOrder(
                                    "credential 'no-profile': type iam-trusted-profile needs exactly one of"
                                            + " profile-id, profile-name, profile-crn (found none)",
                                    "credential 'two-profiles': type iam-trusted-profile needs exactly one of"
                                            + " profile-id, profile-name, profile-crn (found profile-id and"
                                            + " profile-name)",
                                    "credential 'two-profiles': no cr-token-file given and none of the default"
                                            + " paths exists (" + vault.resolve("absent") + ")",
                                    "credential 'no-file': cr-token-file '/nowhere/sa-token' does not exist or cannot"
                                            + " be read (mount a projected service-account token with audience iam"
                                            + " there; see docs/keyless.md)",
                                    "credential 'keyed-profile': type iam-trusted-profile takes no 'secret': it"
                                            + " mints without a master key",
                                    "credential 'keyed-profile': no cr-token-file given and none of the default"
                                            + " paths exists (" + vault.resolve("absent") + ")",
                                    "credential 'no-secret': type iam-assume needs a 'secret': the vault secret whose"
                                            + " apikey assumes the profile",
                                    "credential 'no-account': type iam-assume takes 'account' exactly when it names"
                                            + " the profile by 'profile-name'",
                                    "credential 'stray-account': type iam-assume takes 'account' exactly when it"
                                            + " names the profile by 'profile-name'",
                                    "credential 'apikey-profile': type iam-apikey takes no profile-id (only"
                                            + " iam-trusted-profile and iam-assume do)"))
                    .satisfies(error -> assertThat(error.getMessage()).doesNotContain("eyJ.token.canary"));
        } finally {
            secrets.stop();
        }
    }

    @Test
    void loadWhenNoTokenFileConfiguredThenFirstDefaultThatExists() throws IOException {
        Path second = Files.writeString(vault.resolve("sa-token"), "eyJ.token");
        Path third = Files.writeString(vault.resolve("token"), "eyJ.token");
        FileSecretRepository secrets =
                new FileSecretRepository(vault, Duration.ofHours(1), Duration.ZERO, System::nanoTime);

        try {
            CredentialRegistry registry = CredentialRegistry.load(
                    new CredentialProperties(Map.of(
                            "cos-reader", keyless("iam-trusted-profile", null, null, "reader", null, null, null))),
                    secrets,
                    List.of(vault.resolve("vault-token"), second, third));

            assertThat(registry.find("cos-reader")).hasValueSatisfying(credential -> {
                assertThat(credential.crTokenFile()).isEqualTo(second);
                assertThat(credential.secret()).isNull();
                assertThat(credential.profile()).isEqualTo(new TrustedProfile(null, "reader", null, null));
            });
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

    private static CredentialProperties.Definition keyless(
            String type,
            String secret,
            String profileId,
            String profileName,
            String profileCrn,
            String account,
            String crTokenFile) {
        return new CredentialProperties.Definition(
                type, secret, null, Duration.ofHours(1), profileId, profileName, profileCrn, account, crTokenFile);
    }
}
