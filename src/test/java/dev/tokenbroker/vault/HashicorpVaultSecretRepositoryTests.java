package dev.tokenbroker.vault;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.credential.CredentialProperties;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.credential.InvalidConfigurationException;
import dev.tokenbroker.iam.IamToken;
import dev.tokenbroker.problem.SecretNotFoundException;
import dev.tokenbroker.problem.UpstreamUnavailableException;
import dev.tokenbroker.sim.VaultSimulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/**
 * The {@code hashicorp} store against a Vault simulator on loopback: each login method, KV v2 reads with the login
 * token, version polling, an unreachable Vault, and logging in again when Vault drops our token.
 */
class HashicorpVaultSecretRepositoryTests {

    static final String ROOT_TOKEN = "hvs.CANARYROOTTOKEN0repository01";
    static final String ROLE_ID = "8f1c1f6e-role-id-canary-0001";
    static final String SECRET_ID = "SECRETIDCANARY0repository0a1b2c3";
    static final String SERVICE_ACCOUNT_JWT = "eyJCANARY0serviceaccount.eyJzdWIiOiJ0b2tlbi1icm9rZXIifQ.c2ln";
    static final String KEY_V1 = "MASTERCANARY0repository0v1";
    static final String KEY_V2 = "MASTERCANARY0repository0v2";
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    static final VaultSimulator VAULT = VaultSimulator.start();

    @TempDir
    Path files;

    private final List<HashicorpVaultSecretRepository> repositories = new ArrayList<>();

    @BeforeAll
    static void vault() {
        VAULT.addToken(ROOT_TOKEN);
        VAULT.addAppRole(ROLE_ID, SECRET_ID);
        VAULT.addKubernetesRole("token-broker", SERVICE_ACCOUNT_JWT);
        VAULT.put("secret", "token-broker/wml-prod", Map.of("apikey", KEY_V1));
        VAULT.put("secret", "token-broker/factory-iot", Map.of("apikey", "a-abc123-repo", "token", "IOTCANARY0repo"));
        IAM.addKey(KEY_V1);
        IAM.addKey(KEY_V2);
    }

    @AfterAll
    static void stopVault() {
        VAULT.close();
    }

    @BeforeEach
    void freshVault() {
        VAULT.reset();
        VAULT.loginLease(Duration.ofHours(1));
    }

    @AfterEach
    void closeRepositories() throws Exception {
        for (HashicorpVaultSecretRepository repository : repositories) {
            repository.destroy();
        }
    }

    @Test
    void readWhenTokenAuthenticationThenReadsKvV2WithTheTokenAndTheKeyMints() {
        Map<String, String> properties = TestVaults.properties(VAULT.url());
        properties.put("tokenbroker.vault.hashicorp.authentication", "token");
        properties.put(
                "tokenbroker.vault.hashicorp.token-file",
                TestVaults.file(files, "token", ROOT_TOKEN).toString());
        properties.put("tokenbroker.vault.hashicorp.namespace", "team-a");
        HashicorpVaultSecretRepository vault = open(properties);

        StoredSecret secret = vault.read("wml-prod").block(TIMEOUT);
        IamToken token = TestVaults.iam().mint(secret.require("apikey")).block(TIMEOUT);

        assertThat(secret.version()).isEqualTo("1");
        assertThat(IAM.keyThatMinted(token.accessToken().reveal())).isEqualTo(KEY_V1);
        VaultSimulator.Recorded read = single("/v1/secret/data/token-broker/wml-prod");
        assertThat(read.method()).isEqualTo("GET");
        assertThat(read.vaultToken()).isEqualTo(ROOT_TOKEN);
        assertThat(read.namespace()).isEqualTo("team-a");
        assertThat(single("/v1/auth/token/lookup-self").vaultToken()).isEqualTo(ROOT_TOKEN);
        assertThat(VAULT.requests())
                .allSatisfy(request -> assertThat(request.namespace()).isEqualTo("team-a"));
    }

    @Test
    void readWhenAppRoleThenLogsInWithIdsFromFilesAndReadsWithTheLoginToken() {
        HashicorpVaultSecretRepository vault = open(approle());

        StoredSecret secret = vault.read("wml-prod").block(TIMEOUT);
        IamToken token = TestVaults.iam().mint(secret.require("apikey")).block(TIMEOUT);

        assertThat(IAM.keyThatMinted(token.accessToken().reveal())).isEqualTo(KEY_V1);
        VaultSimulator.Recorded login = single("/v1/auth/approle/login");
        assertThat(login.method()).isEqualTo("POST");
        assertThat(login.body()).containsEntry("role_id", ROLE_ID).containsEntry("secret_id", SECRET_ID);
        assertThat(login.vaultToken()).isNull();
        VaultSimulator.Recorded read = single("/v1/secret/data/token-broker/wml-prod");
        assertThat(read.vaultToken()).isIn(VAULT.issuedTokens()).isNotEqualTo(ROOT_TOKEN);
    }

    @Test
    void readWhenKubernetesThenLogsInWithTheServiceAccountTokenAndReadsWithTheLoginToken() {
        Map<String, String> properties = TestVaults.properties(VAULT.url());
        properties.put("tokenbroker.vault.hashicorp.authentication", "kubernetes");
        properties.put("tokenbroker.vault.hashicorp.kubernetes.role", "token-broker");
        properties.put(
                "tokenbroker.vault.hashicorp.kubernetes.service-account-token-file",
                TestVaults.file(files, "sa-token", SERVICE_ACCOUNT_JWT).toString());
        HashicorpVaultSecretRepository vault = open(properties);

        StoredSecret secret = vault.read("wml-prod").block(TIMEOUT);
        IamToken token = TestVaults.iam().mint(secret.require("apikey")).block(TIMEOUT);

        assertThat(IAM.keyThatMinted(token.accessToken().reveal())).isEqualTo(KEY_V1);
        VaultSimulator.Recorded login = single("/v1/auth/kubernetes/login");
        assertThat(login.body()).containsEntry("role", "token-broker").containsEntry("jwt", SERVICE_ACCOUNT_JWT);
        assertThat(single("/v1/secret/data/token-broker/wml-prod").vaultToken()).isIn(VAULT.issuedTokens());
    }

    @Test
    void readWhenAlreadyReadThenAnswersFromMemoryWithoutCallingVault() {
        HashicorpVaultSecretRepository vault = open(approle());
        vault.read("factory-iot").block(TIMEOUT);
        int before = VAULT.requests("/v1/secret/data/token-broker/factory-iot").size();

        StoredSecret again = vault.read("factory-iot").block(TIMEOUT);

        assertThat(again.fields()).containsOnlyKeys("apikey", "token");
        assertThat(VAULT.requests("/v1/secret/data/token-broker/factory-iot")).hasSize(before);
    }

    @Test
    void readWhenSecretMissingThenNotFoundNamesTheVaultPath() {
        HashicorpVaultSecretRepository vault = open(approle());

        assertThatThrownBy(() -> vault.read("nope").block(TIMEOUT))
                .isInstanceOf(SecretNotFoundException.class)
                .hasMessage("secret 'nope' not found (Vault KV v2 secret/data/token-broker/nope)");
        assertThat(vault.reachable()).isTrue();
    }

    @Test
    void requireWhenFieldMissingThenNamesPathAndFieldButNoValue() {
        VAULT.put("secret", "token-broker/token-only", Map.of("token", "IOTCANARY0onlytoken"));
        HashicorpVaultSecretRepository vault = open(approle());

        StoredSecret secret = vault.read("token-only").block(TIMEOUT);

        assertThatThrownBy(() -> secret.require("apikey"))
                .isInstanceOf(SecretNotFoundException.class)
                .hasMessage(
                        "secret 'token-only' has no field 'apikey' (Vault KV v2 secret/data/token-broker/token-only)");
        assertThat(secret.toString()).doesNotContain("IOTCANARY0onlytoken");
    }

    @Test
    void startupWhenSecretOrFieldMissingInVaultThenOneLinePerProblemNamesThePath() {
        VAULT.put("secret", "token-broker/iot-without-token", Map.of("apikey", "a-abc123-nottoken"));
        HashicorpVaultSecretRepository vault = open(approle());
        CredentialProperties properties = new CredentialProperties(Map.of(
                "wml-gone",
                new CredentialProperties.Definition("iam-apikey", "gone", null, Duration.ofHours(1)),
                "factory-iot",
                new CredentialProperties.Definition("iot-app", "iot-without-token", "abc123", Duration.ofHours(1))));

        assertThatThrownBy(() -> CredentialRegistry.load(properties, vault))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("credential 'wml-gone': secret 'gone' not found"
                        + " (Vault KV v2 secret/data/token-broker/gone)")
                .hasMessageContaining("credential 'factory-iot': secret 'iot-without-token' has no field 'token'"
                        + " (Vault KV v2 secret/data/token-broker/iot-without-token)")
                .hasMessageNotContaining("a-abc123-nottoken");
    }

    @Test
    void pollWhenNewVersionThenEmitsItAndReadServesIt() {
        VAULT.put("secret", "token-broker/rotating", Map.of("apikey", KEY_V1));
        HashicorpVaultSecretRepository vault = open(approle());
        vault.read("rotating").block(TIMEOUT);

        StepVerifier.create(vault.changes().next())
                .then(() -> VAULT.put("secret", "token-broker/rotating", Map.of("apikey", KEY_V2)))
                .assertNext(secret -> {
                    assertThat(secret.name()).isEqualTo("rotating");
                    assertThat(secret.version()).isEqualTo("2");
                    assertThat(secret.require("apikey").reveal()).isEqualTo(KEY_V2);
                })
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(vault.read("rotating").block(TIMEOUT).version()).isEqualTo("2");
        assertThat(VAULT.requests("/v1/secret/metadata/token-broker/rotating"))
                .isNotEmpty()
                .allSatisfy(poll -> assertThat(poll.vaultToken()).isIn(VAULT.issuedTokens()));
    }

    @Test
    void pollWhenVaultStopsThenUnreachableButKnownSecretsServeAndItRecoversWithoutRestart() {
        HashicorpVaultSecretRepository vault = open(approle());
        vault.read("wml-prod").block(TIMEOUT);

        VAULT.stop();
        await().atMost(TIMEOUT).until(() -> !vault.reachable());
        StoredSecret whileDown = vault.read("wml-prod").block(TIMEOUT);
        VAULT.restart();

        assertThat(whileDown.require("apikey").reveal()).isEqualTo(KEY_V1);
        await().atMost(TIMEOUT).until(vault::reachable);
    }

    @Test
    void readWhenFirstLoginFailsThenTheNextReadLogsInAgain() {
        HashicorpVaultSecretRepository vault = open(approle());
        VAULT.stop();

        assertThatThrownBy(() -> vault.read("wml-prod").block(TIMEOUT))
                .isInstanceOf(UpstreamUnavailableException.class)
                .hasMessage("Vault could not be reached for secret 'wml-prod'")
                .hasMessageNotContaining(SECRET_ID);
        assertThat(vault.reachable()).isFalse();
        VAULT.restart();

        assertThat(vault.read("wml-prod").block(TIMEOUT).version()).isEqualTo("1");
        assertThat(vault.reachable()).isTrue();
        assertThat(VAULT.requests("/v1/auth/approle/login")).hasSize(1);
    }

    @Test
    void pollWhenVaultRevokedTheLoginTokenThenLogsInAgainAndStillSeesNewVersions() {
        VAULT.put("secret", "token-broker/revoked", Map.of("apikey", KEY_V1));
        HashicorpVaultSecretRepository vault = open(approle());
        vault.read("revoked").block(TIMEOUT);

        VAULT.revokeLoginTokens();
        StepVerifier.create(vault.changes().next())
                .then(() -> VAULT.put("secret", "token-broker/revoked", Map.of("apikey", KEY_V2)))
                .assertNext(secret -> assertThat(secret.version()).isEqualTo("2"))
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(VAULT.requests("/v1/auth/approle/login")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(vault.read("wml-prod").block(TIMEOUT).version()).isEqualTo("1");
    }

    @Test
    void sessionWhenLoginTokenNearsExpiryThenSpringVaultRenewsIt() {
        VAULT.loginLease(Duration.ofSeconds(10));
        HashicorpVaultSecretRepository vault = open(approle());

        vault.read("wml-prod").block(TIMEOUT);
        String loginToken = single("/v1/secret/data/token-broker/wml-prod").vaultToken();

        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(VAULT.requests("/v1/auth/token/renew-self"))
                        .isNotEmpty()
                        .allSatisfy(renewal -> assertThat(renewal.vaultToken()).isEqualTo(loginToken)));
        assertThat(VAULT.requests("/v1/auth/approle/login")).hasSize(1);
    }

    private Map<String, String> approle() {
        Map<String, String> properties = TestVaults.properties(VAULT.url());
        properties.put("tokenbroker.vault.hashicorp.authentication", "approle");
        properties.put(
                "tokenbroker.vault.hashicorp.approle.role-id-file",
                TestVaults.file(files, "role-id", ROLE_ID).toString());
        properties.put(
                "tokenbroker.vault.hashicorp.approle.secret-id-file",
                TestVaults.file(files, "secret-id", SECRET_ID).toString());
        return properties;
    }

    private HashicorpVaultSecretRepository open(Map<String, String> properties) {
        HashicorpVaultSecretRepository repository = TestVaults.connect(properties);
        repositories.add(repository);
        return repository;
    }

    private static VaultSimulator.Recorded single(String path) {
        List<VaultSimulator.Recorded> requests = VAULT.requests(path);
        assertThat(requests).as("requests to %s", path).hasSize(1);
        return requests.get(0);
    }
}
