package dev.tokenbroker.shared;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.GATEWAY_KEY;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.IOT;
import static dev.tokenbroker.testing.TestBroker.OPS_KEY;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_DEV_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.cache.CacheEntryView;
import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.iot.IotKeyLedger;
import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.support.Secret;
import dev.tokenbroker.testing.BackgroundLoad;
import dev.tokenbroker.testing.LoadClients;
import dev.tokenbroker.testing.SeparateBroker;
import dev.tokenbroker.testing.TestBroker;
import dev.tokenbroker.testing.TestRedis;
import io.lettuce.core.KeyScanCursor;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Three brokers sharing one real {@code redis-server} (DESIGN §11), with the test world's IAM simulator and fake
 * clock: one IAM call for a cold credential cluster-wide, a late replica served from Redis, one refresh per period for
 * the cluster, Redis killed mid-load without a failed request, nothing secret in Redis, tampered values refused, and
 * the encryption key rotated under load.
 */
@ExtendWith(OutputCaptureExtension.class)
class SharedTierIntegrationTests {

    private static final String CREDENTIAL = "wml-dev";
    private static final List<ConfigurableApplicationContext> brokers = new ArrayList<>();
    private static TestRedis redis;

    @BeforeAll
    static void startCluster() {
        redis = TestRedis.start();
        TestBroker.writeSecret("shared-tier", "key", randomKey());
        for (int i = 0; i < 3; i++) {
            brokers.add(startBroker());
        }
        brokers.forEach(
                broker -> await().atMost(Duration.ofSeconds(10)).until(() -> "connected".equals(sharedState(broker))));
    }

    @AfterAll
    static void stopCluster() {
        brokers.forEach(ConfigurableApplicationContext::close);
        brokers.clear();
        redis.close();
    }

    @BeforeEach
    void coldCluster() {
        if (!redis.running()) {
            redis.restart();
        }
        redis.commands().flushall();
        brokers.forEach(broker -> broker.getBean(CredentialIssuer.class)
                .caches()
                .forEach(cache -> cache.operations().evict(CREDENTIAL)));
        brokers.forEach(broker -> broker.getBean(CredentialIssuer.class)
                .caches()
                .forEach(cache -> cache.operations().evict("factory-iot")));
        IAM.reset();
        IOT.reset();
    }

    @Test
    void iamTokenWhen1000ConcurrentRequestsSpreadOverThreeReplicasThenOneIamCall() {
        List<WebClient> clients = brokers.stream()
                .map(broker -> LoadClients.concurrent(SeparateBroker.port(broker), 64, new AtomicInteger()))
                .toList();

        List<Answer> answers = Flux.range(0, 1000)
                .flatMap(i -> ask(clients.get(i % 3)), 192)
                .collectList()
                .block(Duration.ofSeconds(60));

        assertThat(answers)
                .hasSize(1000)
                .allSatisfy(answer -> assertThat(answer.status()).isEqualTo(200));
        assertThat(answers.stream().map(Answer::token).distinct())
                .as("distinct tokens; shared-tier counters per replica: %s", countersOfEveryReplica())
                .hasSize(1);
        assertThat(iamCalls()).isEqualTo(1);
    }

    @Test
    void iamTokenWhenKeylessCredentialsAskedOnEveryReplicaThenEachMintedOnceClusterWide() {
        brokers.forEach(
                broker -> broker.getBean(CredentialIssuer.class).caches().forEach(cache -> {
                    cache.operations().evict("cos-reader");
                    cache.operations().evict("assumed-batch");
                }));

        List<String> trusted = brokers.stream()
                .map(broker -> keylessToken(broker, "cos-reader"))
                .toList();
        List<String> assumed = brokers.stream()
                .map(broker -> keylessToken(broker, "assumed-batch"))
                .toList();

        assertThat(trusted).doesNotContainNull().containsOnly(trusted.get(0));
        assertThat(assumed).doesNotContainNull().containsOnly(assumed.get(0));
        assertThat(IAM.requests())
                .filteredOn(request -> "Profile-cos-reader"
                                .equals(request.form().get("profile_id"))
                        || TestBroker.ASSUME_ONLY_KEY.equals(request.form().get("apikey"))
                        || "wml-batch".equals(request.form().get("profile_name")))
                .extracting(request -> request.form().get("grant_type"))
                .containsExactly(IamSimulator.CR_TOKEN_GRANT, IamSimulator.APIKEY_GRANT, IamSimulator.ASSUME_GRANT);
        assertThat(brokers.subList(1, 3))
                .allSatisfy(broker -> assertThat(broker.getBean(CredentialIssuer.class)
                                .caches()
                                .get(0)
                                .operations()
                                .entries())
                        .filteredOn(entry -> entry.credential().equals("cos-reader")
                                || entry.credential().equals("assumed-batch"))
                        .extracting(CacheEntryView::source)
                        .containsExactly("shared", "shared"));
    }

    @Test
    void iotKeyWhen100ConcurrentRequestsSpreadOverThreeReplicasThenOneWiotpKeyIsCreatedAndOneReplicaTracksIt() {
        List<Mono<String>> requests = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            requests.add(iotKey(client(brokers.get(i % 3))));
        }

        List<String> keys = Flux.merge(requests).collectList().block(Duration.ofSeconds(60));

        assertThat(keys).hasSize(100).allSatisfy(key -> assertThat(key).startsWith("a-"));
        assertThat(keys.stream().distinct()).hasSize(1);
        assertThat(IOT.created()).hasSize(1);
        assertThat(brokers.stream()
                        .filter(broker -> broker.getBean(IotKeyLedger.class).tracks(keys.get(0))))
                .as("exactly one replica revokes it")
                .hasSize(1);
    }

    @Test
    void iamTokenWhenTheMasterKeyRotatesInTheVaultThenOneNewMintClusterWide() {
        String rotated = "MASTERCANARY0wmldev0shared0rotated";
        IAM.addKey(rotated);
        brokers.forEach(broker -> ask(client(broker)).block(Duration.ofSeconds(30)));
        try {
            TestBroker.writeSecret(CREDENTIAL, "apikey", rotated);

            await().atMost(Duration.ofSeconds(15))
                    .until(() -> brokers.stream()
                            .map(broker -> ask(client(broker))
                                    .block(Duration.ofSeconds(30))
                                    .token())
                            .allMatch(token -> rotated.equals(IAM.keyThatMinted(token))));
        } finally {
            TestBroker.writeSecret(CREDENTIAL, "apikey", WML_DEV_KEY);
        }
        long mintsWithTheNewKey = IAM.requests().stream()
                .filter(request -> rotated.equals(request.form().get("apikey")))
                .count();
        await().atMost(Duration.ofSeconds(15))
                .until(() -> brokers.stream()
                        .map(broker -> ask(client(broker))
                                .block(Duration.ofSeconds(30))
                                .token())
                        .allMatch(token -> WML_DEV_KEY.equals(IAM.keyThatMinted(token))));

        assertThat(mintsWithTheNewKey)
                .as("one proof mint for the three replicas")
                .isEqualTo(1);
    }

    @Test
    void iamTokenWhenAReplicaStartsAfterWarmUpThenItsFirstRequestCallsNoUpstream() {
        String warm = ask(client(brokers.get(0))).block(Duration.ofSeconds(30)).token();

        try (ConfigurableApplicationContext late = startBroker()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> "connected".equals(sharedState(late)));
            Answer first = ask(client(late)).block(Duration.ofSeconds(30));

            assertThat(first.status()).isEqualTo(200);
            assertThat(first.token()).isEqualTo(warm);
            assertThat(sources(late)).containsExactly("shared");
        }
        assertThat(iamCalls()).isEqualTo(1);
        assertThat(brokers)
                .extracting(SharedTierIntegrationTests::sources)
                .filteredOn(sources -> !sources.isEmpty())
                .containsOnly(List.of("minted"));
    }

    @Test
    void refreshWhenThreeReplicasRunThroughThreeRefreshPeriodsThenOneIamCallPerPeriod() {
        String token = ask(client(brokers.get(0))).block(Duration.ofSeconds(30)).token();
        brokers.forEach(broker -> ask(client(broker)).block(Duration.ofSeconds(30)));

        for (int period = 1; period <= 3; period++) {
            int expected = period + 1;
            CLOCK.advance(Duration.ofMinutes(49));
            brokers.forEach(broker -> ask(client(broker)).block(Duration.ofSeconds(30)));
            await().atMost(Duration.ofSeconds(15)).until(() -> iamCalls() >= expected);
            String before = token;
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> brokers.stream()
                            .map(broker -> ask(client(broker))
                                    .block(Duration.ofSeconds(30))
                                    .token())
                            .allMatch(served -> !served.equals(before)));
            token = ask(client(brokers.get(0))).block(Duration.ofSeconds(30)).token();
            assertThat(iamCalls()).as("IAM calls after period %d", period).isEqualTo(expected);
        }
    }

    @Test
    void iamTokenWhenRedisIsKilledMidLoadAndRestartedThenNoRequestFailsAndReplicasRejoin(CapturedOutput output) {
        BackgroundLoad<Answer> load = load();
        load.atLeast(100);

        redis.kill();
        evictEverywhere();
        load.atLeast(load.count() + 200);
        await().atMost(Duration.ofSeconds(10)).until(() -> "fallback".equals(sharedState(brokers.get(1))));
        redis.restart();
        evictEverywhere();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            load.atLeast(load.count() + 20);
            return brokers.stream().allMatch(broker -> "connected".equals(sharedState(broker)));
        });
        evictEverywhere();
        load.atLeast(load.count() + 50);
        List<Answer> answers = load.stop();

        assertThat(answers)
                .hasSizeGreaterThanOrEqualTo(320)
                .allSatisfy(answer -> assertThat(answer.status()).isEqualTo(200));
        assertThat(counter(brokers.get(1), SharedTier.LOOKUPS, "fallback")).isPositive();
        // A Redis call that failed after its timeout had given up on it is expected, not an operator-dropped ERROR.
        assertThat(output.getAll()).doesNotContain("onErrorDropped");
        assertThat(keys()).as("the replicas write to Redis again").isNotEmpty();
    }

    @Test
    void iamTokenWhenMintedWhileRedisIsStoppedThenWrittenThereOnceItAnswersAndALateReplicaMintsNothing() {
        redis.stop();
        String minted =
                ask(client(brokers.get(0))).block(Duration.ofSeconds(30)).token();
        redis.restart();
        // Within one probe (backoff 1 s) of Redis answering again, after Lettuce has reconnected (at most 1 s).
        await().atMost(Duration.ofSeconds(5)).until(() -> keys().contains(sharedKey()));

        try (ConfigurableApplicationContext late = startBroker()) {
            Answer first = ask(client(late)).block(Duration.ofSeconds(30));

            assertThat(first.status()).isEqualTo(200);
            assertThat(first.token()).isEqualTo(minted);
            assertThat(sources(late)).containsExactly("shared");
        }
        assertThat(iamCalls()).isEqualTo(1);
        assertThat(counter(brokers.get(0), SharedTier.WRITE_BACKS, "written")).isPositive();
    }

    @Test
    void redisWhenEveryKeyAndValueIsReadThenNoSecretOrCallerIdIsInIt() {
        String token = ask(client(brokers.get(0))).block(Duration.ofSeconds(30)).token();
        ask(client(brokers.get(1))).block(Duration.ofSeconds(30));

        StringBuilder everything = new StringBuilder();
        for (String key : keys()) {
            everything.append(key).append('\n');
            // The values are strings; the IAM call budget is a hash (its turn and pause times).
            everything
                    .append(
                            "string".equals(redis.commands().type(key))
                                    ? redis.commands().get(key)
                                    : redis.commands().hgetall(key).toString())
                    .append('\n');
            // DUMP: the value as Redis serializes it, each byte as one character.
            everything
                    .append(new String(redis.commands().dump(key), StandardCharsets.ISO_8859_1))
                    .append('\n');
        }

        assertThat(everything).contains("tokenbroker:iam-token:");
        for (String canary : List.of(token, WML_DEV_KEY, SCORER_KEY, "client:scorer", "scorer", CREDENTIAL)) {
            byte[] bytes = canary.getBytes(StandardCharsets.UTF_8);
            assertThat(everything.toString())
                    .doesNotContain(canary)
                    .doesNotContain(Base64.getEncoder().encodeToString(bytes))
                    .doesNotContain(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes))
                    .doesNotContainIgnoringCase(HexFormat.of().formatHex(bytes));
        }
    }

    @Test
    void iamTokenWhenTheSharedValueIsTamperedThenItIsRefusedAndReminted() {
        String shared =
                ask(client(brokers.get(0))).block(Duration.ofSeconds(30)).token();
        String key = sharedKey();
        String value = redis.commands().get(key);
        // A character in the middle of the ciphertext: near the end, base64 may carry unused bits.
        int middle = value.lastIndexOf('.') + (value.length() - value.lastIndexOf('.')) / 2;
        char last = value.charAt(middle);
        redis.commands().set(key, value.substring(0, middle) + (last == 'A' ? 'B' : 'A') + value.substring(middle + 1));

        Answer fromAnother = ask(client(brokers.get(1))).block(Duration.ofSeconds(30));

        assertThat(fromAnother.status()).isEqualTo(200);
        assertThat(fromAnother.token()).isNotEqualTo(shared);
        assertThat(iamCalls()).isEqualTo(2);
        assertThat(counter(brokers.get(1), SharedTier.LOOKUPS, "undecryptable")).isPositive();
    }

    @Test
    void iamTokenWhenTheEncryptionKeyRotatesUnderLoadThenNoRequestFailsAndOldValuesStillDecrypt() {
        ask(client(brokers.get(0))).block(Duration.ofSeconds(30));
        String before = redis.commands().get(sharedKey());
        BackgroundLoad<Answer> load = load();
        load.atLeast(100);

        TestBroker.writeSecret("shared-tier", "key", randomKey());
        brokers.get(1)
                .getBean(CredentialIssuer.class)
                .caches()
                .forEach(cache -> cache.operations().evict(CREDENTIAL));
        load.atLeast(load.count() + 200);
        int callsAfterRotation = iamCalls();
        redis.commands().del(sharedKey());
        brokers.get(2)
                .getBean(CredentialIssuer.class)
                .caches()
                .forEach(cache -> cache.operations().evict(CREDENTIAL));
        load.atLeast(load.count() + 200);
        List<Answer> answers = load.stop();
        String after = redis.commands().get(sharedKey());

        assertThat(answers).allSatisfy(answer -> assertThat(answer.status()).isEqualTo(200));
        assertThat(callsAfterRotation).as("the old value still decrypts").isEqualTo(1);
        assertThat(keyId(after)).as("new values use the new key").isNotEqualTo(keyId(before));
    }

    // IAM calls for this credential's key only: the test world's file sink (another credential) mints too.
    private static int iamCalls() {
        return (int) IAM.requests().stream()
                .filter(request -> WML_DEV_KEY.equals(request.form().get("apikey")))
                .count();
    }

    private static List<String> countersOfEveryReplica() {
        return brokers.stream()
                .map(broker ->
                        broker.getBean(MeterRegistry.class).find("tokenbroker.shared.lookups").counters().stream()
                                        .map(counter -> counter.getId().getTag("outcome") + "=" + counter.count())
                                        .toList()
                                + " "
                                + broker
                                        .getBean(MeterRegistry.class)
                                        .find("tokenbroker.shared.leases")
                                        .counters()
                                        .stream()
                                        .map(counter -> counter.getId().getTag("outcome") + "=" + counter.count())
                                        .toList())
                .toList();
    }

    // Every key in Redis, by SCAN (as redis-cli --scan reads them).
    private static List<String> keys() {
        List<String> keys = new ArrayList<>();
        KeyScanCursor<String> cursor = redis.commands().scan();
        keys.addAll(cursor.getKeys());
        while (!cursor.isFinished()) {
            cursor = redis.commands().scan(cursor);
            keys.addAll(cursor.getKeys());
        }
        return keys;
    }

    private static String keyId(String value) {
        return value.split("\\.")[1];
    }

    private static String sharedKey() {
        return SharedCipher.name("iam-token", CREDENTIAL, Secret.of(WML_DEV_KEY));
    }

    // Where each cached IAM token of the credential came from on that replica, as the actuator's tokens view shows it.
    private static List<String> sources(ConfigurableApplicationContext broker) {
        return broker.getBean(CredentialIssuer.class).caches().get(0).operations().entries().stream()
                .filter(entry -> entry.credential().equals(CREDENTIAL))
                .map(CacheEntryView::source)
                .toList();
    }

    private static void evictEverywhere() {
        brokers.forEach(broker -> broker.getBean(CredentialIssuer.class)
                .caches()
                .forEach(cache -> cache.operations().evict(CREDENTIAL)));
    }

    private static double counter(ConfigurableApplicationContext broker, String name, String outcome) {
        return broker.getBean(MeterRegistry.class)
                .get(name)
                .tag("outcome", outcome)
                .counter()
                .count();
    }

    @SuppressWarnings("unchecked")
    private static String sharedState(ConfigurableApplicationContext broker) {
        Map<String, Object> health = WebClient.create("http://127.0.0.1:" + SeparateBroker.managementPort(broker))
                .get()
                .uri("/actuator/health/shared")
                .headers(headers -> headers.setBearerAuth(OPS_KEY))
                .retrieve()
                .bodyToMono(Map.class)
                .block(Duration.ofSeconds(10));
        return (String) ((Map<String, Object>) health.get("details")).get("state");
    }

    private static ConfigurableApplicationContext startBroker() {
        return SeparateBroker.start(List.of(
                "--tokenbroker.shared.enabled=true",
                "--tokenbroker.shared.encryption-key-secret=shared-tier",
                "--tokenbroker.shared.timeout=500ms",
                "--spring.data.redis.url=" + redis.url(),
                "--spring.data.redis.timeout=500ms",
                "--spring.data.redis.connect-timeout=500ms"));
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        ThreadLocalRandom.current().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    private static WebClient client(ConfigurableApplicationContext broker) {
        return WebClient.create("http://127.0.0.1:" + SeparateBroker.port(broker));
    }

    @SuppressWarnings("unchecked")
    private static Mono<Answer> ask(WebClient client) {
        return client.post()
                .uri("/v1/credentials/{name}/iam-token", CREDENTIAL)
                .headers(headers -> headers.setBearerAuth(SCORER_KEY))
                .exchangeToMono(response -> response.bodyToMono(Map.class)
                        .defaultIfEmpty(Map.of())
                        .map(body -> new Answer(response.statusCode().value(), (String) body.get("access_token"))))
                .onErrorResume(failure -> Mono.just(new Answer(0, failure.toString())));
    }

    @SuppressWarnings("unchecked")
    private static String keylessToken(ConfigurableApplicationContext broker, String credential) {
        return (String) client(broker)
                .post()
                .uri("/v1/credentials/{name}/iam-token", credential)
                .headers(headers -> headers.setBearerAuth(TestBroker.KEYLESS_KEY))
                .retrieve()
                .bodyToMono(Map.class)
                .block(Duration.ofSeconds(30))
                .get("access_token");
    }

    private static Mono<String> iotKey(WebClient client) {
        return client.post()
                .uri("/v1/credentials/factory-iot/iot-key")
                .headers(headers -> headers.setBearerAuth(GATEWAY_KEY))
                .retrieve()
                .bodyToMono(Map.class)
                .map(body -> (String) body.get("auth-key"));
    }

    private record Answer(int status, String token) {}

    // Callers spread over the replicas, 6 at a time, until stopped.
    private static BackgroundLoad<Answer> load() {
        List<WebClient> clients =
                brokers.stream().map(SharedTierIntegrationTests::client).toList();
        return BackgroundLoad.start(i -> ask(clients.get(i % clients.size())), 6);
    }
}
