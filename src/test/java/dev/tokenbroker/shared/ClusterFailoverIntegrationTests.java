package dev.tokenbroker.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.support.Secret;
import dev.tokenbroker.testing.BackgroundLoad;
import dev.tokenbroker.testing.BrokerProcess;
import dev.tokenbroker.testing.TestRedis;
import dev.tokenbroker.testing.TestRedisCluster;
import dev.tokenbroker.testing.TestReplicas;
import dev.tokenbroker.testing.TestReplicas.Answer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The shared tier over a Redis Cluster and over Sentinel, configured by Boot's {@code spring.data.redis.cluster.*} /
 * {@code sentinel.*} alone (DESIGN §11), with three replicas as separate JVMs: one IAM call for a cold credential
 * cluster-wide, and a primary killed mid-load without a failed request; after the fail-over the tier shares again,
 * and the dead node is not logged about for ever. Run by {@code scripts/rollout-check.sh} (tag {@code rollout}).
 */
@Tag("rollout")
class ClusterFailoverIntegrationTests {

    private static TestReplicas replicas;
    private final List<BrokerProcess> fleet = new ArrayList<>();

    @BeforeAll
    static void world() {
        replicas = TestReplicas.create();
    }

    @AfterAll
    static void close() {
        replicas.close();
    }

    @AfterEach
    void stopFleet() {
        fleet.forEach(BrokerProcess::kill);
        fleet.clear();
        replicas.iam.reset();
    }

    @Test
    void redisClusterWhen1000ColdRequestsThenOneIamCallAndWhenAPrimaryDiesMidLoadThenNoRequestFails() {
        try (TestRedisCluster cluster = TestRedisCluster.start(3, 1)) {
            fleet.addAll(replicas.startTogether(
                    3,
                    List.of(
                            "spring.data.redis.cluster.nodes: " + cluster.nodes(),
                            // The test cannot wait for the default period; adaptive triggers act sooner anyway.
                            "spring.data.redis.lettuce.cluster.refresh.period: 2s")));

            List<Answer> cold = coldBurst(TestReplicas.IAM_CREDENTIAL, 1000);
            int coldCalls = replicas.iamCalls();
            TestRedis primary = cluster.primaryOf(redisKey(TestReplicas.IAM_CREDENTIAL));
            BackgroundLoad<Answer> load = load();
            load.atLeast(200);
            primary.kill();
            load.atLeast(load.count() + 600);
            await().atMost(Duration.ofSeconds(60)).until(cluster::healthy);
            load.atLeast(load.count() + 300);
            List<Answer> answers = load.stop();
            await().atMost(Duration.ofSeconds(30)).until(() -> fleet.stream().allMatch(this::connected));
            int before = replicas.iamCalls();
            List<Answer> afterFailover = coldBurst(TestReplicas.budgetCredential(1), 300);
            int afterFailoverCalls = replicas.iamCalls() - before;
            String deadNode = "127.0.0.1:" + primary.port();
            List<Integer> logged =
                    fleet.stream().map(broker -> broker.log().length()).toList();

            assertFailover(cold, coldCalls, answers, afterFailover, afterFailoverCalls);
            // Lettuce's topology leaves out the failed node: nobody reconnects to it, nobody logs about it.
            await().during(Duration.ofSeconds(8))
                    .atMost(Duration.ofSeconds(12))
                    .until(() -> fleet.stream()
                            .allMatch(broker -> !broker.log()
                                    .substring(logged.get(fleet.indexOf(broker)))
                                    .contains(deadNode)));
            report(
                    "Redis Cluster: 1,000 cold requests, %d IAM call; primary %s killed mid-load: %d requests, %d failed;"
                            + " after the fail-over %d IAM call for a cold credential",
                    coldCalls,
                    deadNode,
                    answers.size(),
                    answers.stream().filter(answer -> answer.status() != 200).count(),
                    afterFailoverCalls);
        }
    }

    @Test
    void sentinelWhenThePrimaryDiesMidLoadThenNoRequestFailsAndTheTierSharesThroughTheNewPrimary() {
        try (TestRedis primary = TestRedis.start();
                TestRedis replica = TestRedis.start(List.of("replicaof 127.0.0.1 " + primary.port()));
                TestRedis sentinel = TestRedis.sentinel(List.of(
                        "sentinel monitor primary 127.0.0.1 " + primary.port() + " 1",
                        "sentinel down-after-milliseconds primary 1000",
                        "sentinel failover-timeout primary 5000"))) {
            // A sentinel learns a primary's replicas from its INFO, every 10 s: only then can it fail over.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> sentinel.commands().info("sentinel").contains("slaves=1"));
            fleet.addAll(replicas.startTogether(
                    3,
                    List.of(
                            "spring.data.redis.sentinel.master: primary",
                            "spring.data.redis.sentinel.nodes: 127.0.0.1:" + sentinel.port())));

            List<Answer> cold = coldBurst(TestReplicas.IAM_CREDENTIAL, 300);
            int coldCalls = replicas.iamCalls();
            BackgroundLoad<Answer> load = load();
            load.atLeast(200);
            primary.kill();
            load.atLeast(load.count() + 600);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> replica.commands().info("replication").contains("role:master"));
            load.atLeast(load.count() + 300);
            List<Answer> answers = load.stop();
            await().atMost(Duration.ofSeconds(30)).until(() -> fleet.stream().allMatch(this::connected));
            int before = replicas.iamCalls();
            List<Answer> afterFailover = coldBurst(TestReplicas.budgetCredential(1), 300);
            int afterFailoverCalls = replicas.iamCalls() - before;

            assertFailover(cold, coldCalls, answers, afterFailover, afterFailoverCalls);
            assertThat(replica.commands().keys("tokenbroker:iam-token:*")).hasSize(2);
            report(
                    "Sentinel: primary killed mid-load: %d requests, %d failed; after the fail-over %d IAM call for a"
                            + " cold credential",
                    answers.size(),
                    answers.stream().filter(answer -> answer.status() != 200).count(),
                    afterFailoverCalls);
        }
    }

    // `count` concurrent requests for a cold credential, spread over the fleet.
    private List<Answer> coldBurst(String credential, int count) {
        List<WebClient> clients = fleet.stream().map(replicas::client).toList();
        return Flux.range(0, count)
                .flatMap(
                        i -> replicas.iamToken(clients.get(i % clients.size()), credential, Duration.ofSeconds(60)),
                        count)
                .collectList()
                .block(Duration.ofSeconds(120));
    }

    // Callers spread over the fleet, 6 at a time; every 20th request first evicts the credential on its replica, so
    // that lookups keep going to Redis while the test changes it under them.
    private BackgroundLoad<Answer> load() {
        List<WebClient> clients = fleet.stream().map(replicas::client).toList();
        return BackgroundLoad.start(
                i -> {
                    int replica = i % clients.size();
                    Mono<Answer> ask = replicas.iamToken(
                            clients.get(replica), TestReplicas.IAM_CREDENTIAL, Duration.ofSeconds(60));
                    return i % 20 == 0
                            ? replicas.evict(fleet.get(replica), TestReplicas.IAM_CREDENTIAL)
                                    .onErrorResume(failure -> Mono.empty())
                                    .then(ask)
                            : ask;
                },
                6);
    }

    private boolean connected(BrokerProcess broker) {
        return replicas.actuator(broker, "/actuator/health/shared").contains("\"state\":\"connected\"");
    }

    private static String redisKey(String credential) {
        return SharedCipher.name("iam-token", credential, Secret.of(TestReplicas.MASTER_KEY));
    }

    // Both setups promise the same: the cold burst served with one IAM call, no request failed while the primary died,
    // and a cold credential after the fail-over minted once and shared.
    private static void assertFailover(
            List<Answer> cold,
            int coldCalls,
            List<Answer> answers,
            List<Answer> afterFailover,
            int afterFailoverCalls) {
        assertThat(cold).allSatisfy(answer -> assertThat(answer.status()).isEqualTo(200));
        assertThat(coldCalls)
                .as("IAM calls for %d cold requests over three replicas", cold.size())
                .isEqualTo(1);
        assertThat(answers)
                .hasSizeGreaterThanOrEqualTo(1100)
                .allSatisfy(
                        answer -> assertThat(answer.status()).as(answer.value()).isEqualTo(200));
        assertThat(afterFailover)
                .allSatisfy(answer -> assertThat(answer.status()).isEqualTo(200));
        assertThat(afterFailoverCalls)
                .as("IAM calls for a cold credential after the fail-over")
                .isEqualTo(1);
    }

    private static void report(String format, Object... arguments) {
        System.out.println("MEASURED " + format.formatted(arguments));
    }
}
