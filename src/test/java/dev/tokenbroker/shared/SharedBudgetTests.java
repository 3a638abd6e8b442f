package dev.tokenbroker.shared;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.problem.UpstreamUnavailableException;
import dev.tokenbroker.shared.SharedBudget.Turn;
import dev.tokenbroker.support.MintDeferred;
import dev.tokenbroker.support.MintUrgency;
import dev.tokenbroker.support.Upstream;
import dev.tokenbroker.testing.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.test.StepVerifier;

/**
 * The call budget's token bucket (DESIGN §10), in Redis with a real {@code redis-server} (two budgets over one Redis
 * are two replicas sharing it) and in the replica: turns in the order asked, one second of calls as the burst, a turn
 * too far off refused with its wait, and a pause that defers only the calls nobody waits on.
 */
class SharedBudgetTests {

    private static final Duration MAX_WAIT = Duration.ofMillis(1200);

    private static TestRedis redis;
    private static LettuceConnectionFactory connections;
    private static RedisLink link;

    @BeforeAll
    static void startRedis() {
        redis = TestRedis.start();
        connections = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redis.port()));
        connections.afterPropertiesSet();
        connections.start();
        SharedTierProperties properties = new SharedTierProperties(
                true,
                "shared-tier",
                Duration.ofMillis(50),
                Duration.ofSeconds(3),
                Duration.ofMillis(25),
                Duration.ofSeconds(1),
                Duration.ofSeconds(10));
        link = new RedisLink(new ReactiveStringRedisTemplate(connections), properties, Clock.systemUTC());
    }

    @AfterAll
    static void stopRedis() {
        connections.destroy();
        redis.close();
    }

    @BeforeEach
    void emptyRedis() {
        redis.commands().flushall();
    }

    @Test
    void turnWhenTwoReplicasShareTheBudgetThenBurstThenOneIntervalApartInOrderThenRefusedWithTheirWait() {
        SharedBudget one = budget(link);
        SharedBudget other = budget(link);

        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            turns.add((i % 2 == 0 ? one : other).turn(true).block(Duration.ofSeconds(5)));
        }

        assertThat(turns.subList(0, 2)).extracting(Turn::kind).containsOnly(Turn.Kind.GRANTED);
        assertThat(turns.subList(0, 2)).extracting(Turn::delay).containsOnly(Duration.ZERO);
        assertThat(turns.subList(2, 4)).extracting(Turn::kind).containsOnly(Turn.Kind.GRANTED);
        assertThat(turns.get(2).delay()).isPositive().isLessThanOrEqualTo(Duration.ofMillis(500));
        assertThat(turns.get(3).delay()).isGreaterThan(turns.get(2).delay()).isLessThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(turns.subList(4, 6)).extracting(Turn::kind).containsOnly(Turn.Kind.REFUSED);
        assertThat(turns.get(4).delay()).isGreaterThan(MAX_WAIT);
        assertThat(redis.commands().keys("*")).containsExactly("tokenbroker:budget:iam");
    }

    @Test
    void acquireWhenTheTurnIsTooFarOffThen503WithItsRetryAfterAndNoTurnTaken() {
        SharedBudget budget = budget(link);
        for (int i = 0; i < 4; i++) {
            budget.turn(true).block(Duration.ofSeconds(5));
        }

        StepVerifier.create(budget.acquire())
                .expectErrorSatisfies(failure -> assertThat(failure)
                        .isInstanceOfSatisfying(
                                UpstreamUnavailableException.class,
                                refused ->
                                        assertThat(refused.retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(2))))
                .verify(Duration.ofSeconds(5));
        assertThat(budget.turn(true).block(Duration.ofSeconds(5)).kind()).isEqualTo(Turn.Kind.REFUSED);
    }

    @Test
    void turnWhenOneReplicaPausesThenEveryReplicaDefersRefreshesAheadButNotCallsACallerWaitsOn() {
        SharedBudget paused = budget(link);
        SharedBudget other = budget(link);

        paused.pause(Duration.ofSeconds(5)).block(Duration.ofSeconds(5));
        Turn ahead = other.turn(false).block(Duration.ofSeconds(5));
        Turn urgent = other.turn(true).block(Duration.ofSeconds(5));

        assertThat(ahead.kind()).isEqualTo(Turn.Kind.DEFERRED);
        assertThat(ahead.delay()).isGreaterThan(Duration.ofSeconds(4)).isLessThanOrEqualTo(Duration.ofSeconds(5));
        assertThat(urgent.kind()).isEqualTo(Turn.Kind.GRANTED);
        StepVerifier.create(other.acquire().contextWrite(MintUrgency.AHEAD::into))
                .expectError(MintDeferred.class)
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void turnWhenRedisIsAwayThenTheReplicaKeepsTheBudgetItself() {
        SharedBudget alone = budget(null);

        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            turns.add(alone.turn(true).block(Duration.ofSeconds(5)));
        }
        alone.pause(Duration.ofSeconds(5)).block(Duration.ofSeconds(5));

        assertThat(turns)
                .extracting(Turn::kind)
                .containsExactly(
                        Turn.Kind.GRANTED, Turn.Kind.GRANTED, Turn.Kind.GRANTED, Turn.Kind.GRANTED, Turn.Kind.REFUSED);
        assertThat(turns.get(1).delay()).isZero();
        assertThat(turns.get(2).delay()).isPositive();
        assertThat(alone.turn(false).block(Duration.ofSeconds(5)).kind()).isEqualTo(Turn.Kind.DEFERRED);
        assertThat(redis.commands().keys("*")).isEmpty();
    }

    // 2 calls per second: one every 500 ms after a burst of 2; a turn more than 1.2 s off is refused.
    private static SharedBudget budget(RedisLink over) {
        return new SharedBudget(over, Duration.ofSeconds(3), Upstream.IAM, 2, MAX_WAIT, new SimpleMeterRegistry());
    }
}
