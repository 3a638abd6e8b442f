package dev.tokenbroker.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.testing.BrokerProcess;
import dev.tokenbroker.testing.TestRedis;
import dev.tokenbroker.testing.TestReplicas;
import dev.tokenbroker.testing.TestReplicas.Answer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One IAM budget for the cluster (DESIGN §10): three replicas as separate JVMs with
 * {@code tokenbroker.iam.max-calls-per-second: 2} over one real {@code redis-server}. Fifty credentials gone cold at
 * once: IAM sees at most 2 calls in any second plus the burst (the bucket holds one second of calls: at most 4 in any
 * one-second window), callers are served in their turn or get 503 with {@code Retry-After}, never anything else. IAM's
 * 429 with {@code Retry-After: 5} stops every replica's refreshes for 5 s. Run by {@code scripts/rollout-check.sh}
 * (tag {@code rollout}).
 */
@Tag("rollout")
class UpstreamBudgetIntegrationTests {

    private static final Pattern DEFERRED =
            Pattern.compile("tokenbroker_upstream_budget_total\\{outcome=\"deferred\",upstream=\"iam\"} (\\S+)");

    private static final Duration IN_FLIGHT = Duration.ofMillis(200);

    private static TestRedis redis;
    private static TestReplicas replicas;
    private static List<BrokerProcess> fleet;

    @BeforeAll
    static void world() {
        redis = TestRedis.start();
        replicas = TestReplicas.create();
        fleet = replicas.startTogether(
                3,
                List.of(
                        "spring.data.redis.url: " + redis.url(),
                        "tokenbroker.iam.max-calls-per-second: 2",
                        // Refresh ahead at 5-10% of a token's life, so that 60-second tokens refresh within seconds.
                        "tokenbroker.cache.refresh-at: 0.1",
                        "tokenbroker.cache.refresh-jitter: 0.05"));
        // Each replica calls IAM once before anything is measured: a cold JVM's first call (connection, class loading,
        // compilation) leaves later than its turn, and would bunch with the next ones at IAM.
        for (BrokerProcess broker : fleet) {
            redis.commands().flushall();
            replicas.iamToken(replicas.client(broker), TestReplicas.IAM_CREDENTIAL, Duration.ofSeconds(60))
                    .block(Duration.ofSeconds(60));
        }
    }

    @AfterAll
    static void close() {
        replicas.close();
        redis.close();
    }

    @BeforeEach
    void cold() {
        for (BrokerProcess broker : fleet) {
            for (int i = 1; i <= TestReplicas.BUDGET_CREDENTIALS; i++) {
                replicas.evict(broker, TestReplicas.budgetCredential(i)).block(Duration.ofSeconds(10));
            }
        }
        redis.commands().flushall();
        replicas.iam.reset();
    }

    @Test
    void iamTokenWhenFiftyCredentialsGoColdOverThreeReplicasThenIamSeesTheBudgetAndCallersTheirTurnOr503() {
        List<WebClient> clients = fleet.stream().map(replicas::client).toList();
        List<Answer> first = Flux.range(0, TestReplicas.BUDGET_CREDENTIALS * 6)
                .flatMap(i -> ask(clients.get(i % 3), 1 + i / 6), 1000)
                .collectList()
                .block(Duration.ofSeconds(120));
        Set<Integer> served = new HashSet<>();
        List<Answer> retried = new ArrayList<>();
        // Callers turned away come back after their Retry-After until every credential is served.
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(2))
                .until(() -> {
                    for (int i = 1; i <= TestReplicas.BUDGET_CREDENTIALS; i++) {
                        if (!served.contains(i)) {
                            Answer answer = ask(clients.get(i % 3), i).block(Duration.ofSeconds(60));
                            retried.add(answer);
                            if (answer.status() == 200) {
                                served.add(i);
                            }
                        }
                    }
                    return served.size() == TestReplicas.BUDGET_CREDENTIALS;
                });

        List<Answer> all = new ArrayList<>(first);
        all.addAll(retried);
        assertThat(all).allSatisfy(answer -> {
            assertThat(answer.status()).as(answer.value()).isIn(200, 503);
            if (answer.status() == 503) {
                assertThat(answer.retryAfter()).isNotNull();
                assertThat(Integer.parseInt(answer.retryAfter())).isPositive();
            }
        });
        assertThat(replicas.iam.mostCallsWithin(Duration.ofSeconds(1)))
                .as("IAM calls in any one second: 2 per second and the burst of 2; arrivals (ms): %s", arrivals())
                .isLessThanOrEqualTo(4);
        assertThat(replicas.iamCalls()).as("IAM calls").isGreaterThanOrEqualTo(TestReplicas.BUDGET_CREDENTIALS);
        report(
                "budget 2/s: 50 credentials cold over 3 replicas: %d first answers (%d served, %d 503 with Retry-After),"
                        + " %d IAM calls, at most %d in any second",
                first.size(),
                first.stream().filter(answer -> answer.status() == 200).count(),
                first.stream().filter(answer -> answer.status() == 503).count(),
                replicas.iamCalls(),
                replicas.iam.mostCallsWithin(Duration.ofSeconds(1)));
    }

    @Test
    void refreshWhenIamAnswers429WithRetryAfter5ThenNoReplicaRefreshesFor5Seconds() {
        replicas.iam.tokenLifetime(Duration.ofSeconds(60));
        List<WebClient> clients = fleet.stream().map(replicas::client).toList();
        Flux.range(0, 18)
                .flatMap(i -> ask(clients.get(i % 3), 1 + i / 3))
                .collectList()
                .block(Duration.ofSeconds(60));
        List<Double> deferredBefore = fleet.stream().map(this::deferred).toList();
        int before = replicas.iam.tokenCalls();

        replicas.iam.enqueue(
                429, Map.of("Retry-After", "5", "Content-Type", "application/json"), "{\"errorCode\":\"BXNIM0429E\"}");
        // The next token call gets the 429: the first refresh ahead, 3 to 6 s after the warm-up.
        await().atMost(Duration.ofSeconds(30)).until(() -> replicas.iam.tokenCalls() > before);
        long refusedAt = replicas.iam.requests().get(before).nanoTime();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> replicas.iam.requests().stream()
                        .anyMatch(request -> request.nanoTime() - refusedAt
                                >= Duration.ofSeconds(5).toNanos()));

        // A call that reaches IAM within IN_FLIGHT of the 429 left before any replica could know of it (the 429 is
        // still on its way back to one replica, which then writes the pause to Redis): it was on the wire, not a
        // refresh started against the pause. Without the pause the budget lets a call through every 500 ms.
        List<IamSimulator.Recorded> inFlight = replicas.iam.requests().stream()
                .filter(request -> request.nanoTime() > refusedAt)
                .filter(request -> request.nanoTime() - refusedAt < IN_FLIGHT.toNanos())
                .toList();
        List<IamSimulator.Recorded> during = replicas.iam.requests().stream()
                .filter(request -> request.nanoTime() - refusedAt >= IN_FLIGHT.toNanos())
                .filter(request ->
                        request.nanoTime() - refusedAt < Duration.ofSeconds(5).toNanos())
                .toList();
        assertThat(during)
                .as(
                        "IAM calls from %d ms to 5 s after its 429; arrivals (ms) from it: %s",
                        IN_FLIGHT.toMillis(), arrivals(refusedAt))
                .isEmpty();
        for (int i = 0; i < fleet.size(); i++) {
            assertThat(deferred(fleet.get(i)))
                    .as("refreshes deferred by replica %d", i)
                    .isGreaterThan(deferredBefore.get(i));
        }
        report(
                "429 with Retry-After 5: %d IAM calls in the 5 s after it (%d already on the wire, arriving %s ms"
                        + " after it); refreshes deferred per replica: %s",
                during.size() + inFlight.size(),
                inFlight.size(),
                inFlight.stream()
                        .map(request -> (request.nanoTime() - refusedAt) / 1_000_000)
                        .toList(),
                fleet.stream().map(this::deferred).toList());
    }

    private static Mono<Answer> ask(WebClient client, int credential) {
        return replicas.iamToken(client, TestReplicas.budgetCredential(credential), Duration.ofSeconds(1));
    }

    // When IAM's token requests arrived, in ms from the first (or from `since`), for the assertion messages.
    private static List<Long> arrivals() {
        return arrivals(replicas.iam.requests().get(0).nanoTime());
    }

    private static List<Long> arrivals(long since) {
        return replicas.iam.requests().stream()
                .map(request -> (request.nanoTime() - since) / 1_000_000)
                .toList();
    }

    private double deferred(BrokerProcess broker) {
        Matcher deferred = DEFERRED.matcher(replicas.actuator(broker, "/actuator/prometheus"));
        return deferred.find() ? Double.parseDouble(deferred.group(1)) : 0;
    }

    private static void report(String format, Object... arguments) {
        System.out.println("MEASURED " + format.formatted(arguments));
    }
}
