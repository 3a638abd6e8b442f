package dev.tokenbroker.vault;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.iam.IamToken;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.Container;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.vault.VaultContainer;
import reactor.test.StepVerifier;

/**
 * The {@code hashicorp} store against the real {@code hashicorp/vault} image (dev mode, KV v2 at {@code secret/}):
 * token and AppRole logins read the master key and it mints; a {@code vault kv put} is noticed as a new version.
 * Runs wherever Docker is available; skipped otherwise.
 */
@Testcontainers(disabledWithoutDocker = true)
class HashicorpVaultContainerIntegrationTests {

    static final String ROOT_TOKEN = "root-CANARY0testcontainers";
    static final String KEY_V1 = "MASTERCANARY0container0v1";
    static final String KEY_V2 = "MASTERCANARY0container0v2";
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final String POLICY = """
            path "secret/data/token-broker/*" {
              capabilities = ["read"]
            }
            path "secret/metadata/token-broker/*" {
              capabilities = ["read"]
            }
            """;

    @org.testcontainers.junit.jupiter.Container
    static final VaultContainer<?> VAULT = new VaultContainer<>(DockerImageName.parse("hashicorp/vault:1.20"))
            .withVaultToken(ROOT_TOKEN)
            .withEnv("VAULT_TOKEN", ROOT_TOKEN)
            .withCopyToContainer(Transferable.of(POLICY), "/tmp/token-broker.hcl")
            .withInitCommand(
                    "kv put secret/token-broker/wml-prod apikey=" + KEY_V1,
                    "kv put secret/token-broker/rotating apikey=" + KEY_V1,
                    "policy write token-broker /tmp/token-broker.hcl",
                    "auth enable approle",
                    "write auth/approle/role/token-broker token_policies=token-broker token_ttl=1h");

    @TempDir
    Path files;

    private final List<HashicorpVaultSecretRepository> repositories = new ArrayList<>();

    @BeforeAll
    static void keys() {
        IAM.addKey(KEY_V1);
        IAM.addKey(KEY_V2);
    }

    @AfterEach
    void closeRepositories() throws Exception {
        for (HashicorpVaultSecretRepository repository : repositories) {
            repository.destroy();
        }
    }

    @Test
    void readWhenTokenAuthenticationThenReadsTheKeyAndItMints() {
        Map<String, String> properties = TestVaults.properties(VAULT.getHttpHostAddress());
        properties.put("tokenbroker.vault.hashicorp.authentication", "token");
        properties.put(
                "tokenbroker.vault.hashicorp.token-file",
                TestVaults.file(files, "token", ROOT_TOKEN).toString());
        HashicorpVaultSecretRepository vault = open(properties);

        StoredSecret secret = vault.read("wml-prod").block(TIMEOUT);
        IamToken token = TestVaults.iam().mint(secret.require("apikey")).block(TIMEOUT);

        assertThat(secret.version()).isEqualTo("1");
        assertThat(IAM.keyThatMinted(token.accessToken().reveal())).isEqualTo(KEY_V1);
    }

    @Test
    void readWhenAppRoleThenLogsInWithTheRolePolicyAndTheKeyMints() throws Exception {
        HashicorpVaultSecretRepository vault = open(approle());

        StoredSecret secret = vault.read("wml-prod").block(TIMEOUT);
        IamToken token = TestVaults.iam().mint(secret.require("apikey")).block(TIMEOUT);

        assertThat(IAM.keyThatMinted(token.accessToken().reveal())).isEqualTo(KEY_V1);
        assertThat(vault.reachable()).isTrue();
    }

    @Test
    void pollWhenKvPutWritesANewVersionThenItIsNoticed() throws Exception {
        HashicorpVaultSecretRepository vault = open(approle());
        vault.read("rotating").block(TIMEOUT);

        StepVerifier.create(vault.changes().next())
                .then(() -> vault("kv", "put", "secret/token-broker/rotating", "apikey=" + KEY_V2))
                .assertNext(secret -> {
                    assertThat(secret.version()).isEqualTo("2");
                    assertThat(secret.require("apikey").reveal()).isEqualTo(KEY_V2);
                })
                .expectComplete()
                .verify(TIMEOUT);
    }

    private Map<String, String> approle() throws Exception {
        String roleId = vault("read", "-field=role_id", "auth/approle/role/token-broker/role-id");
        String secretId = vault("write", "-f", "-field=secret_id", "auth/approle/role/token-broker/secret-id");
        Map<String, String> properties = TestVaults.properties(VAULT.getHttpHostAddress());
        properties.put("tokenbroker.vault.hashicorp.authentication", "approle");
        properties.put(
                "tokenbroker.vault.hashicorp.approle.role-id-file",
                TestVaults.file(files, "role-id", roleId).toString());
        properties.put(
                "tokenbroker.vault.hashicorp.approle.secret-id-file",
                TestVaults.file(files, "secret-id", secretId).toString());
        return properties;
    }

    /** Runs the Vault CLI in the container as root; returns its output, trimmed. */
    private static String vault(String... arguments) {
        try {
            String[] command = new String[arguments.length + 1];
            command[0] = "vault";
            System.arraycopy(arguments, 0, command, 1, arguments.length);
            Container.ExecResult result = VAULT.execInContainer(command);
            assertThat(result.getExitCode()).as(result.getStderr()).isZero();
            return result.getStdout().strip();
        } catch (Exception e) {
            throw new IllegalStateException("vault CLI failed", e);
        }
    }

    private HashicorpVaultSecretRepository open(Map<String, String> properties) {
        HashicorpVaultSecretRepository repository = TestVaults.connect(properties);
        repositories.add(repository);
        return repository;
    }
}
