package dev.tokenbroker.vault;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.cache.RotationListener;
import dev.tokenbroker.sim.VaultSimulator;
import dev.tokenbroker.testing.SeparateBroker;
import dev.tokenbroker.testing.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The whole broker with {@code tokenbroker.vault.type=hashicorp} (AppRole login) against the Vault simulator, in its
 * own small application context (the shared integration-test context keeps the file store): a mint over HTTP with a
 * Vault-held key, rotation under load, a Vault outage, and a canary sweep of logs and actuator responses.
 */
@ExtendWith(OutputCaptureExtension.class)
class HashicorpVaultBrokerIntegrationTests {

    static final String ROLE_ID = "5b2e0c1d-role-id-canary-broker";
    static final String SECRET_ID = "SECRETIDCANARY0broker0d4e5f6a7";
    static final String INLINE_TOKEN = "hvs.CANARYINLINETOKEN0notused0001";
    static final String ROTATED_KEY = "MASTERCANARY0wmldev0rotated0";
    static final Duration POLL = Duration.ofMillis(300);
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {};

    static final VaultSimulator VAULT = VaultSimulator.start();
    static ConfigurableApplicationContext broker;
    static WebClient api;
    static WebClient management;

    @BeforeAll
    static void startBroker() throws Exception {
        Path files = Files.createTempDirectory("token-broker-vault-it");
        VAULT.addAppRole(ROLE_ID, SECRET_ID);
        seed("wml-prod", Map.of("apikey", TestBroker.WML_PROD_KEY));
        seed("wml-dev", Map.of("apikey", TestBroker.WML_DEV_KEY));
        seed("other-team", Map.of("apikey", TestBroker.OTHER_TEAM_KEY));
        seed("bad-key", Map.of("apikey", TestBroker.UNKNOWN_TO_IAM_KEY));
        seed("assume-only", Map.of("apikey", TestBroker.ASSUME_ONLY_KEY));
        seed("factory-iot", Map.of("apikey", TestBroker.IOT_MASTER_KEY, "token", TestBroker.IOT_MASTER_TOKEN));
        String hashicorp = "--tokenbroker.vault.hashicorp.";
        broker = SeparateBroker.start(List.of(
                "--management.endpoints.web.exposure.include=*",
                "--management.endpoint.env.show-values=always",
                "--management.endpoint.configprops.show-values=always",
                "--management.endpoint.health.show-details=always",
                "--logging.level.org.springframework.vault=DEBUG",
                "--logging.level.dev.tokenbroker=DEBUG",
                "--tokenbroker.vault.type=hashicorp",
                hashicorp + "uri=" + VAULT.url(),
                hashicorp + "path-prefix=token-broker/",
                hashicorp + "poll-interval=" + POLL.toMillis() + "ms",
                hashicorp + "authentication=approle",
                hashicorp + "approle.role-id-file=" + TestVaults.file(files, "role-id", ROLE_ID),
                hashicorp + "approle.secret-id-file=" + TestVaults.file(files, "secret-id", SECRET_ID),
                // Not used by AppRole; here so the canary sweep shows an inline token stays hidden.
                hashicorp + "token=" + INLINE_TOKEN));
        api = WebClient.create("http://127.0.0.1:" + broker.getEnvironment().getProperty("local.server.port"));
        management =
                WebClient.create("http://127.0.0.1:" + broker.getEnvironment().getProperty("local.management.port"));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
        VAULT.close();
        LoggingSystem logging = LoggingSystem.get(HashicorpVaultBrokerIntegrationTests.class.getClassLoader());
        logging.setLogLevel("org.springframework.vault", null);
        logging.setLogLevel("dev.tokenbroker", null);
    }

    @BeforeEach
    void freshSimulators() {
        IAM.reset();
        VAULT.reset();
    }

    @Test
    void iamTokenWhenMasterKeyIsInVaultThenMintsWithItAfterAnAppRoleLogin() {
        String token = accessToken("wml-prod").block(TIMEOUT);

        assertThat(IAM.keyThatMinted(token)).isEqualTo(TestBroker.WML_PROD_KEY);
        assertThat(broker.getBean(SecretRepository.class)).isInstanceOf(HashicorpVaultSecretRepository.class);
        assertThat(broker.getBean(Clock.class)).isSameAs(TestBroker.CLOCK);
        VAULT.reset();
        VAULT.revokeLoginTokens();
        // A poll meets the revoked token, logs in again with the ids from the files, and reads with the new token.
        VAULT.put("secret", "token-broker/other-team", Map.of("apikey", TestBroker.OTHER_TEAM_KEY));
        await().atMost(TIMEOUT)
                .until(() -> !VAULT.requests("/v1/secret/data/token-broker/other-team")
                        .isEmpty());
        VaultSimulator.Recorded login = VAULT.requests("/v1/auth/approle/login").get(0);
        assertThat(login.body()).containsEntry("role_id", ROLE_ID).containsEntry("secret_id", SECRET_ID);
        assertThat(VAULT.requests("/v1/secret/data/token-broker/other-team"))
                .allSatisfy(read -> assertThat(read.vaultToken()).isIn(VAULT.issuedTokens()));
    }

    @Test
    void iamTokenWhenKeyRotatesInVaultUnderLoadThenNoRequestFailsAndOnlyTheNewKeyServesOnceProven() throws Exception {
        String before = accessToken("wml-dev").block(TIMEOUT);
        IAM.addKey(ROTATED_KEY);
        AtomicLong noticed = new AtomicLong(Long.MAX_VALUE);
        Disposable watch = broker.getBean(SecretRepository.class)
                .changes()
                .filter(secret -> secret.name().equals("wml-dev"))
                .subscribe(secret -> noticed.compareAndSet(Long.MAX_VALUE, System.nanoTime()));
        AtomicLong proven = new AtomicLong(Long.MAX_VALUE);
        broker.getBean(CredentialIssuer.class).addRotationListener(new RotationListener() {
            @Override
            public void rotated(String secret, String version) {
                proven.compareAndSet(Long.MAX_VALUE, System.nanoTime());
            }
        });
        AtomicInteger started = new AtomicInteger();
        AtomicInteger startedAfterProof = new AtomicInteger();

        // A request every 5 ms, up to 16 in flight, until 100 have started after the new version was proven by its
        // first mint (bounded: at most 3,000 requests).
        var load = Flux.interval(Duration.ofMillis(5))
                .takeWhile(tick -> tick < 3_000 && startedAfterProof.get() < 100)
                .onBackpressureBuffer()
                .flatMap(tick -> served(started, startedAfterProof, proven), 16)
                .collectList()
                .toFuture();
        await().atMost(TIMEOUT).until(() -> started.get() >= 100);
        long put = System.nanoTime();
        VAULT.put("secret", "token-broker/wml-dev", Map.of("apikey", ROTATED_KEY));
        List<Served> all = load.get(2 * TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        watch.dispose();

        assertThat(IAM.keyThatMinted(before)).isEqualTo(TestBroker.WML_DEV_KEY);
        assertThat(all).allSatisfy(served -> assertThat(served.status()).isEqualTo(200));
        assertThat(noticed.get()).isNotEqualTo(Long.MAX_VALUE);
        // "Within one poll interval", stated without wall-clock limits (the build machine is shared): the first poll
        // of the secret's metadata that reached Vault after the put is the one that noticed the new version.
        assertThat(VAULT.requests("/v1/secret/metadata/token-broker/wml-dev"))
                .filteredOn(poll -> poll.receivedAt() > put && poll.receivedAt() < noticed.get())
                .hasSize(1);
        // Make before break: old tokens serve until the new key has minted once, and never after.
        assertThat(proven.get()).isGreaterThan(put);
        List<Served> afterProof =
                all.stream().filter(served -> served.startedAt() > proven.get()).toList();
        assertThat(afterProof)
                .hasSizeGreaterThanOrEqualTo(100)
                .allSatisfy(
                        served -> assertThat(IAM.keyThatMinted(served.token())).isEqualTo(ROTATED_KEY));
        assertThat(all)
                .anySatisfy(
                        served -> assertThat(IAM.keyThatMinted(served.token())).isEqualTo(TestBroker.WML_DEV_KEY));
        assertThat(IAM.requests())
                .filteredOn(request -> ROTATED_KEY.equals(request.form().get("apikey")))
                .hasSize(1);
        System.out.printf(
                "rotation under load: %d requests, all 200; new version noticed %d ms after the put (poll every %d"
                        + " ms), proven %d ms after the put; %d requests started after the proof, all minted with the"
                        + " new key%n",
                all.size(),
                Duration.ofNanos(noticed.get() - put).toMillis(),
                POLL.toMillis(),
                Duration.ofNanos(proven.get() - put).toMillis(),
                afterProof.size());
    }

    @Test
    void readinessWhenVaultUnreachableThenDownWhileCachedTokensServeAndUpAgainWithoutRestart() {
        String cached = accessToken("wml-prod").block(TIMEOUT);

        VAULT.stop();
        await().atMost(TIMEOUT).until(() -> readiness() == HttpStatus.SERVICE_UNAVAILABLE.value());
        String whileDown = accessToken("wml-prod").block(TIMEOUT);
        Map<String, Object> health = management
                .get()
                .uri("/actuator/health/readiness")
                .exchangeToMono(response -> response.bodyToMono(JSON))
                .block(TIMEOUT);
        VAULT.restart();

        assertThat(whileDown).isEqualTo(cached);
        assertThat(health).containsEntry("status", "DOWN");
        await().atMost(TIMEOUT).until(() -> readiness() == HttpStatus.OK.value());
    }

    @Test
    void canaryWhenVaultIsUsedThenNoVaultTokenSecretIdOrMasterKeyInLogsOrActuator(CapturedOutput output) {
        accessToken("wml-prod").block(TIMEOUT);
        accessToken("wml-dev").block(TIMEOUT);
        String env = actuator("/actuator/env");
        String configprops = actuator("/actuator/configprops");
        String health = actuator("/actuator/health");

        List<String> canaries = new ArrayList<>(List.of(
                SECRET_ID,
                INLINE_TOKEN,
                TestBroker.WML_PROD_KEY,
                TestBroker.WML_DEV_KEY,
                ROTATED_KEY,
                TestBroker.OTHER_TEAM_KEY,
                TestBroker.IOT_MASTER_TOKEN,
                SCORER_KEY));
        canaries.addAll(VAULT.issuedTokens());
        assertThat(VAULT.issuedTokens()).isNotEmpty();
        assertThat(output.getAll()).contains("Netty started on port").contains("AuthenticationStepsOperator");
        assertThat(env).contains("tokenbroker.vault.hashicorp.token").contains("secret-id-file");
        assertThat(configprops).contains("tokenbroker.vault");
        for (String canary : canaries) {
            assertThat(output.getAll()).as("log output").doesNotContain(canary);
            assertThat(env).as("/actuator/env").doesNotContain(canary);
            assertThat(configprops).as("/actuator/configprops").doesNotContain(canary);
            assertThat(health).as("/actuator/health").doesNotContain(canary);
        }
    }

    private static void seed(String secret, Map<String, String> fields) {
        VAULT.put("secret", "token-broker/" + secret, fields);
    }

    private static Mono<String> accessToken(String credential) {
        return api.post()
                .uri("/v1/credentials/{name}/iam-token", credential)
                .headers(headers -> headers.setBearerAuth(SCORER_KEY))
                .retrieve()
                .bodyToMono(JSON)
                .map(body -> (String) body.get("access_token"));
    }

    private static Mono<Served> served(AtomicInteger started, AtomicInteger startedAfterNotice, AtomicLong noticed) {
        return Mono.defer(() -> {
            long startedAt = System.nanoTime();
            started.incrementAndGet();
            if (startedAt > noticed.get()) {
                startedAfterNotice.incrementAndGet();
            }
            return api.post()
                    .uri("/v1/credentials/{name}/iam-token", "wml-dev")
                    .headers(headers -> headers.setBearerAuth(SCORER_KEY))
                    .exchangeToMono(response -> response.bodyToMono(JSON)
                            .defaultIfEmpty(Map.of())
                            .map(body -> new Served(
                                    startedAt, response.statusCode().value(), (String) body.get("access_token"))));
        });
    }

    private static int readiness() {
        return management
                .get()
                .uri("/actuator/health/readiness")
                .exchangeToMono(response ->
                        response.releaseBody().thenReturn(response.statusCode().value()))
                .block(TIMEOUT);
    }

    private static String actuator(String path) {
        return management
                .get()
                .uri(path)
                .headers(headers -> headers.setBearerAuth(TestBroker.OPS_KEY))
                .exchangeToMono(response -> response.bodyToMono(String.class))
                .block(TIMEOUT);
    }

    /** One request of the load: when it started, its status and the token it got. */
    private record Served(long startedAt, int status, String token) {}
}
