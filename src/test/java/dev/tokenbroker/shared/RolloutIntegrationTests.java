package dev.tokenbroker.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.BrokerProcess;
import dev.tokenbroker.testing.TestRedis;
import dev.tokenbroker.testing.TestReplicas;
import dev.tokenbroker.testing.TestReplicas.Answer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The shared tier on the day of a rollout (DESIGN §11), with replicas as separate JVMs ({@link TestReplicas}) and a
 * real {@code redis-server}: replicas started together and hit by a cold burst the moment they are ready mint once
 * for the cluster; a credential minted while Redis was away is in Redis once it answers, so a replica started later
 * mints nothing; a replica killed with {@code SIGKILL} and started again mints nothing. Run by
 * {@code scripts/rollout-check.sh} (tag {@code rollout}: minutes of JVM start-ups, too long for {@code verify}).
 */
@Tag("rollout")
class RolloutIntegrationTests {

    private static TestRedis redis;
    private static TestReplicas replicas;
    private final List<BrokerProcess> fleet = new ArrayList<>();

    @BeforeAll
    static void world() {
        redis = TestRedis.start();
        replicas = TestReplicas.create();
    }

    @AfterAll
    static void close() {
        replicas.close();
        redis.close();
    }

    @BeforeEach
    void cold() {
        fleet.forEach(BrokerProcess::kill);
        fleet.clear();
        if (!redis.running()) {
            redis.restart();
        }
        redis.commands().flushall();
        replicas.iam.reset();
        replicas.iot.reset();
    }

    @RepeatedTest(3)
    void coldBurstWhenThreeReplicasStartTogetherThenOneIamCallAndOneWiotpKeyAndBothInRedis() {
        fleet.addAll(replicas.startTogether(3, redisSettings()));
        long ready = System.nanoTime();
        List<WebClient> clients = fleet.stream().map(replicas::client).toList();

        List<Mono<Answer>> tokens = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            tokens.add(replicas.iamToken(clients.get(i % 3), TestReplicas.IAM_CREDENTIAL, Duration.ofSeconds(60)));
        }
        List<Mono<Answer>> keys = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            keys.add(replicas.iotKey(clients.get(i % 3)));
        }
        var answers = Mono.zip(
                        Flux.merge(tokens).collectList(), Flux.merge(keys).collectList())
                .block(Duration.ofSeconds(120));

        assertThat(answers.getT1())
                .hasSize(600)
                .allSatisfy(
                        answer -> assertThat(answer.status()).as(answer.value()).isEqualTo(200));
        assertThat(answers.getT2())
                .hasSize(60)
                .allSatisfy(
                        answer -> assertThat(answer.status()).as(answer.value()).isEqualTo(200));
        assertThat(answers.getT1().stream().map(Answer::value).distinct()).hasSize(1);
        assertThat(answers.getT2().stream().map(Answer::value).distinct()).hasSize(1);
        assertThat(replicas.iamCalls()).as("IAM calls").isEqualTo(1);
        assertThat(replicas.iot.created()).as("WIoTP keys created").hasSize(1);
        assertThat(redis.commands().keys("tokenbroker:iam-token:*")).hasSize(1);
        assertThat(redis.commands().keys("tokenbroker:iot-key:*")).hasSize(1);
        report(
                "cold burst: 600 iam-token and 60 iot-key requests over 3 replicas started together, the IAM call %d ms"
                        + " after all were ready: %d IAM call, %d WIoTP key, %d failed requests, both values in Redis",
                (replicas.iam.requests().get(0).nanoTime() - ready) / 1_000_000,
                replicas.iamCalls(),
                replicas.iot.created().size(),
                answers.getT1().stream()
                                .filter(answer -> answer.status() != 200)
                                .count()
                        + answers.getT2().stream()
                                .filter(answer -> answer.status() != 200)
                                .count());
    }

    @Test
    void iamTokenWhenMintedWhileRedisIsAwayThenWrittenOnceItAnswersAndALaterReplicaMintsNothing() {
        fleet.addAll(replicas.startTogether(3, redisSettings()));

        redis.stop();
        Answer minted = ask(fleet.get(0));
        redis.restart();
        long back = System.nanoTime();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !redis.commands().keys("tokenbroker:iam-token:*").isEmpty());
        long written = System.nanoTime() - back;
        BrokerProcess fourth = replicas.start(redisSettings());
        fleet.add(fourth);
        fourth.awaitReady(Duration.ofSeconds(120));
        Answer first = ask(fourth);

        assertThat(minted.status()).isEqualTo(200);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.value()).isEqualTo(minted.value());
        assertThat(replicas.iamCalls()).as("IAM calls").isEqualTo(1);
        report(
                "Redis stopped, a credential minted (1 IAM call), Redis started: in Redis %d ms later; a fourth replica"
                        + " started then served it with %d IAM calls",
                written / 1_000_000, replicas.iamCalls() - 1);
    }

    @Test
    void iamTokenWhenAReplicaIsKilledAndStartedAgainTenTimesThenEachFirstRequestCallsNoUpstream() {
        BrokerProcess replica = replicas.start(redisSettings());
        fleet.add(replica);
        replica.awaitReady(Duration.ofSeconds(120));
        String shared = ask(replica).value();

        List<Answer> firsts = new ArrayList<>();
        for (int restart = 0; restart < 10; restart++) {
            replica.kill();
            replica.restart();
            replica.awaitReady(Duration.ofSeconds(120));
            firsts.add(ask(replica));
        }

        assertThat(firsts)
                .hasSize(10)
                .allSatisfy(answer -> assertThat(answer.status()).isEqualTo(200))
                .extracting(Answer::value)
                .containsOnly(shared);
        assertThat(replicas.iamCalls()).as("IAM calls").isEqualTo(1);
        report(
                "SIGKILL and start again, %d times: %d first requests served from Redis, %d IAM calls after the first"
                        + " mint",
                firsts.size(),
                firsts.stream().filter(answer -> shared.equals(answer.value())).count(),
                replicas.iamCalls() - 1);
    }

    private static Answer ask(BrokerProcess broker) {
        return replicas.iamToken(replicas.client(broker), TestReplicas.IAM_CREDENTIAL, Duration.ofSeconds(60))
                .block(Duration.ofSeconds(60));
    }

    private static void report(String format, Object... arguments) {
        System.out.println("MEASURED " + format.formatted(arguments));
    }

    private static List<String> redisSettings() {
        return List.of("spring.data.redis.url: " + redis.url());
    }
}
