package dev.tokenbroker.testing;

import dev.tokenbroker.caller.ClientKeys;
import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.sim.IotSimulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.resources.ConnectionProvider;

/**
 * A fleet of broker replicas as {@link BrokerProcess}es, the way a rollout or a scale-up starts them: separate JVMs
 * with the production configuration plus a shared tier, pointed at one IAM and one WIoTP simulator on loopback (on the
 * real clock: the replicas read theirs), a file vault in a folder of their own and the Redis the test gives.
 * Credentials: {@value #IAM_CREDENTIAL} and {@value #BUDGET_CREDENTIALS} more ({@code wml-c01} …), all minted with
 * one master key, and the {@code iot-app} credential {@value #IOT_CREDENTIAL}; one client key may have them all, and
 * the ops key reads the actuator. Master keys, client keys and minted values are canaries. Close it when done.
 */
public final class TestReplicas implements AutoCloseable {

    /** The IAM credential the cold bursts ask for. */
    public static final String IAM_CREDENTIAL = "wml-prod";

    /** The {@code iot-app} credential. */
    public static final String IOT_CREDENTIAL = "factory-iot";

    /** How many more IAM credentials ({@code wml-c01} … {@code wml-c50}) the budget tests make go cold at once. */
    public static final int BUDGET_CREDENTIALS = 50;

    /** The master key of every IAM credential here (canary). */
    public static final String MASTER_KEY = "MASTERCANARY0rollout0e4b17";

    private static final String IOT_ORG = "rollout";
    private static final String IOT_MASTER_KEY = "a-rollout-masterkey0001";
    private static final String IOT_MASTER_TOKEN = "MASTERCANARY0rolloutiot0b1b1";

    /** IAM, on the real clock. */
    public final IamSimulator iam = IamSimulator.start(Clock.systemUTC());

    /** WIoTP, on the real clock. */
    public final IotSimulator iot = IotSimulator.start(Clock.systemUTC());

    private final Path folder;
    private final String clientKey = ClientKeys.generate();
    private final String opsKey = ClientKeys.generate();
    private final List<BrokerProcess> started = new ArrayList<>();
    private final ConnectionProvider pool = LoadClients.pool(1200);
    private int configs;

    private TestReplicas(Path folder) {
        this.folder = folder;
    }

    /** The simulators, the vault (master keys and the shared tier's encryption key) and the client keys. */
    public static TestReplicas create() {
        try {
            TestReplicas replicas = new TestReplicas(Files.createTempDirectory("token-broker-replicas"));
            replicas.iam.addKey(MASTER_KEY);
            replicas.iot.addOrg(IOT_ORG, IOT_MASTER_KEY, IOT_MASTER_TOKEN);
            replicas.secret("wml", "apikey", MASTER_KEY);
            replicas.secret(IOT_CREDENTIAL, "apikey", IOT_MASTER_KEY);
            replicas.secret(IOT_CREDENTIAL, "token", IOT_MASTER_TOKEN);
            byte[] key = new byte[32];
            ThreadLocalRandom.current().nextBytes(key);
            replicas.secret("shared-tier", "key", Base64.getEncoder().encodeToString(key));
            return replicas;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts {@code count} replicas at once with these settings (flat YAML lines, e.g. the Redis connection
     * {@code spring.data.redis.url: redis://127.0.0.1:6379}), and waits until every one reports ready.
     */
    public List<BrokerProcess> startTogether(int count, List<String> settings) {
        List<BrokerProcess> fleet = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            fleet.add(start(settings));
        }
        fleet.forEach(broker -> broker.awaitReady(Duration.ofSeconds(120)));
        return fleet;
    }

    /** Starts one replica with these settings and returns at once. */
    public BrokerProcess start(List<String> settings) {
        int n = ++configs;
        Path config = write("broker-" + n + ".yaml", config(settings));
        BrokerProcess broker = BrokerProcess.start(config, folder.resolve("broker-" + n + ".log"));
        started.add(broker);
        return broker;
    }

    /** A client of the replica's caller API that can hold hundreds of connections. */
    public WebClient client(BrokerProcess broker) {
        return LoadClients.concurrent(broker.port(), pool, new AtomicInteger());
    }

    /** Asks the replica for an IAM token of the credential, with at least {@code minValid} left; never fails. */
    public Mono<Answer> iamToken(WebClient client, String credential, Duration minValid) {
        return client.post()
                .uri("/v1/credentials/{name}/iam-token", credential)
                .headers(headers -> headers.setBearerAuth(clientKey))
                .bodyValue(Map.of("min_valid_seconds", minValid.toSeconds()))
                .exchangeToMono(response -> response.bodyToMono(Map.class)
                        .defaultIfEmpty(Map.of())
                        .map(body -> new Answer(
                                response.statusCode().value(),
                                (String) body.get("access_token"),
                                response.headers().asHttpHeaders().getFirst("Retry-After"))))
                .onErrorResume(failure -> Mono.just(new Answer(0, failure.toString(), null)));
    }

    /** Asks the replica for a WIoTP key of {@value #IOT_CREDENTIAL}; never fails. */
    public Mono<Answer> iotKey(WebClient client) {
        return client.post()
                .uri("/v1/credentials/{name}/iot-key", IOT_CREDENTIAL)
                .headers(headers -> headers.setBearerAuth(clientKey))
                .exchangeToMono(response -> response.bodyToMono(Map.class)
                        .defaultIfEmpty(Map.of())
                        .map(body -> new Answer(
                                response.statusCode().value(),
                                (String) body.get("auth-key"),
                                response.headers().asHttpHeaders().getFirst("Retry-After"))))
                .onErrorResume(failure -> Mono.just(new Answer(0, failure.toString(), null)));
    }

    /** Evicts the credential from the replica's cache, as the operator does ({@code DELETE /actuator/tokens/…}). */
    public Mono<Void> evict(BrokerProcess broker, String credential) {
        return WebClient.create("http://127.0.0.1:" + broker.managementPort())
                .delete()
                .uri("/actuator/tokens/{credential}", credential)
                .headers(headers -> headers.setBearerAuth(opsKey))
                .retrieve()
                .toBodilessEntity()
                .then();
    }

    /** A GET of the replica's actuator as the operator, e.g. {@code /actuator/prometheus}. */
    public String actuator(BrokerProcess broker, String path) {
        return WebClient.create("http://127.0.0.1:" + broker.managementPort())
                .get()
                .uri(path)
                .headers(headers -> headers.setBearerAuth(opsKey))
                .retrieve()
                .bodyToMono(String.class)
                .block(Duration.ofSeconds(10));
    }

    /** Token requests IAM received with {@link #MASTER_KEY} so far. */
    public int iamCalls() {
        return (int) iam.requests().stream()
                .filter(request -> MASTER_KEY.equals(request.form().get("apikey")))
                .count();
    }

    /** Kills every replica started so far and stops the simulators. */
    @Override
    public void close() {
        started.forEach(BrokerProcess::kill);
        pool.dispose();
        iam.close();
        iot.close();
    }

    private String config(List<String> settings) {
        StringBuilder yaml = new StringBuilder();
        yaml.append(String.join("\n", settings)).append('\n');
        yaml.append("""
                tokenbroker:
                  vault.file.directory: %s
                  iam.url: %s
                  iot.api-url: "%s"
                  audit.salt: rollout-salt-not-a-secret
                  server.max-connections-per-address: 5000
                  shared:
                    enabled: true
                    encryption-key-secret: shared-tier
                  ops.callers: ["client:ops"]
                  callers:
                    client-keys:
                      app: "%s"
                      ops: "%s"
                    rate-limit:
                      overrides:
                        - callers: ["client:*"]
                          requests-per-second: 1000000
                          burst: 1000000
                  policy:
                    - callers: ["client:app"]
                      credentials: ["wml-*"]
                      grants: ["iam-token"]
                    - callers: ["client:app"]
                      credentials: ["%s"]
                      grants: ["iot-key"]
                      iot-roles: ["PD_STANDARD_APP"]
                  credentials:
                    %s: { type: iam-apikey, secret: wml }
                    %s: { type: iot-app, secret: %s, org: %s, ttl: 1h }
                """.formatted(
                        folder.resolve("vault"),
                        iam.url(),
                        iot.apiUrl(),
                        ClientKeys.hash(clientKey),
                        ClientKeys.hash(opsKey),
                        IOT_CREDENTIAL,
                        IAM_CREDENTIAL,
                        IOT_CREDENTIAL,
                        IOT_CREDENTIAL,
                        IOT_ORG));
        for (int i = 1; i <= BUDGET_CREDENTIALS; i++) {
            yaml.append("    ").append(budgetCredential(i)).append(": { type: iam-apikey, secret: wml }\n");
        }
        return yaml.toString();
    }

    /** The name of the i-th (from 1) credential of the budget tests. */
    public static String budgetCredential(int i) {
        return "wml-c%02d".formatted(i);
    }

    private void secret(String secret, String field, String value) throws IOException {
        Path dir = Files.createDirectories(folder.resolve("vault").resolve(secret));
        Files.writeString(dir.resolve(field), value + "\n");
    }

    private Path write(String name, String content) {
        try {
            return Files.writeString(folder.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A caller's answer.
     *
     * @param status the HTTP status, or 0 when the request failed without one
     * @param value the access token or WIoTP key id, or what went wrong
     * @param retryAfter the {@code Retry-After} header, or {@code null}
     */
    public record Answer(int status, String value, String retryAfter) {}
}
