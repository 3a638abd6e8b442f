package dev.tokenbroker.shared;

import dev.tokenbroker.problem.UpstreamUnavailableException;
import dev.tokenbroker.shared.RedisLink.RedisUnavailable;
import dev.tokenbroker.support.MintDeferred;
import dev.tokenbroker.support.MintUrgency;
import dev.tokenbroker.support.Upstream;
import dev.tokenbroker.support.UpstreamBudget;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;

// The call budget of an upstream (DESIGN §10): a token bucket as a GCRA (one "theoretical arrival time" that every
// call pushes one interval further), kept with the upstream's pause in one Redis hash, changed by Lua scripts on that
// key alone (one slot in a Redis Cluster), on Redis' own clock, so that every replica shares one budget. Each call
// reserves its turn when it asks, so turns are granted in the order of asking. While the tier is off, or Redis away,
// the same bucket runs in this replica on System.nanoTime(): each replica then has the whole budget to itself.
final class SharedBudget implements UpstreamBudget {

    /** Counter of calls, tags {@code upstream} and {@code outcome}: {@code granted}, {@code waited}, {@code refused}, {@code deferred}. */
    static final String METER = "tokenbroker.upstream.budget";

    private static final String PREFIX = "tokenbroker:budget:";

    private final RedisLink link;
    private final Duration redisTimeout;
    private final Upstream upstream;
    private final String key;
    private final long intervalMicros;
    private final int burst;
    private final Duration maxWait;
    private final LocalBucket local;
    private final Map<Turn.Kind, Counter> counters = new EnumMap<>(Turn.Kind.class);

    SharedBudget(
            RedisLink link,
            Duration redisTimeout,
            Upstream upstream,
            int callsPerSecond,
            Duration maxWait,
            MeterRegistry meters) {
        this.link = link;
        this.redisTimeout = redisTimeout;
        this.upstream = upstream;
        this.key = PREFIX + upstream.tag();
        this.intervalMicros = callsPerSecond == 0 ? 0 : 1_000_000L / callsPerSecond;
        this.burst = Math.max(1, callsPerSecond);
        this.maxWait = maxWait;
        this.local = new LocalBucket(intervalMicros * 1000, burst);
        for (Turn.Kind kind : Turn.Kind.values()) {
            counters.put(
                    kind,
                    Counter.builder(METER)
                            .description("Upstream calls by their turn in the call budget (tokenbroker.iam"
                                    + ".max-calls-per-second): at once, after a wait, refused (503), deferred (paused)")
                            .tag("upstream", upstream.tag())
                            .tag("outcome", kind.outcome)
                            .register(meters));
        }
    }

    @Override
    public Mono<Void> acquire() {
        return Mono.deferContextual(context -> {
            boolean urgent = MintUrgency.of(context) == MintUrgency.URGENT;
            return turn(urgent).flatMap(turn -> take(turn, urgent));
        });
    }

    @Override
    public Mono<Void> pause(Duration retryAfter) {
        local.pause(retryAfter.toNanos());
        if (link == null || !link.usable()) {
            return Mono.empty();
        }
        String micros = Long.toString(retryAfter.toNanos() / 1000);
        return link.call(link.script(Scripts.PAUSE, key, List.of(micros)), redisTimeout)
                .then()
                .onErrorResume(RedisUnavailable.class, failure -> Mono.empty());
    }

    // This call's turn, from Redis when it answers, else from the local bucket.
    Mono<Turn> turn(boolean urgent) {
        Turn paused = urgent ? null : local.paused();
        if (paused != null) {
            return Mono.just(paused);
        }
        if (link == null || !link.usable()) {
            return Mono.fromSupplier(() -> local.take(urgent, maxWait.toNanos()));
        }
        List<String> arguments = List.of(
                Long.toString(intervalMicros),
                Integer.toString(burst),
                Long.toString(maxWait.toNanos() / 1000),
                urgent ? "1" : "0");
        return link.call(link.script(Scripts.TAKE, key, arguments), redisTimeout)
                .map(Turn::parse)
                .doOnNext(turn -> {
                    if (turn.kind() == Turn.Kind.DEFERRED) {
                        local.pause(turn.delay().toNanos());
                    }
                })
                .onErrorResume(
                        RedisUnavailable.class,
                        failure -> Mono.fromSupplier(() -> local.take(urgent, maxWait.toNanos())));
    }

    private Mono<Void> take(Turn turn, boolean urgent) {
        if (turn.kind() == Turn.Kind.GRANTED && !turn.delay().isZero()) {
            return Mono.delay(turn.delay())
                    .then(urgent ? Mono.empty() : Mono.defer(this::notPaused))
                    .doOnSuccess(went -> counters.get(Turn.Kind.WAITED).increment());
        }
        counters.get(turn.kind()).increment();
        return switch (turn.kind()) {
            case GRANTED, WAITED -> Mono.empty();
            case REFUSED ->
                Mono.error(new UpstreamUnavailableException(
                        upstream,
                        "the " + upstream + " call budget (max-calls-per-second) has no turn free soon enough",
                        Duration.ofSeconds((turn.delay().toMillis() + 999) / 1000),
                        null));
            case DEFERRED -> Mono.error(new MintDeferred(upstream, turn.delay()));
        };
    }

    // A call nobody waits on that waited for its turn looks again: the upstream may have asked to wait meanwhile (the
    // turn it reserved is given up).
    private Mono<Void> notPaused() {
        Turn paused = local.paused();
        if (paused != null) {
            counters.get(Turn.Kind.DEFERRED).increment();
            return Mono.error(new MintDeferred(upstream, paused.delay()));
        }
        if (link == null || !link.usable()) {
            return Mono.empty();
        }
        return link.call(link.script(Scripts.PAUSED, key, List.of()), redisTimeout)
                .onErrorResume(RedisUnavailable.class, failure -> Mono.empty())
                .flatMap(micros -> {
                    if (micros <= 0) {
                        return Mono.empty();
                    }
                    local.pause(micros * 1000);
                    counters.get(Turn.Kind.DEFERRED).increment();
                    return Mono.error(new MintDeferred(upstream, Duration.ofNanos(micros * 1000)));
                });
    }

    // A call's turn: go after `wait`, refused (its turn is `wait` away), or deferred (the pause ends in `wait`).
    record Turn(Kind kind, Duration delay) {

        enum Kind {
            GRANTED("granted"),
            WAITED("waited"),
            REFUSED("refused"),
            DEFERRED("deferred");

            final String outcome;

            Kind(String outcome) {
                this.outcome = outcome;
            }
        }

        static Turn parse(String answer) {
            Duration wait = Duration.ofNanos(Long.parseLong(answer.substring(1)) * 1000);
            return switch (answer.charAt(0)) {
                case 'g' -> new Turn(Kind.GRANTED, wait);
                case 'r' -> new Turn(Kind.REFUSED, wait);
                case 'p' -> new Turn(Kind.DEFERRED, wait);
                default -> throw new IllegalStateException("unexpected answer of the budget script");
            };
        }
    }

    // The same bucket in this process, on System.nanoTime().
    static final class LocalBucket {

        private final long intervalNanos;
        private final long toleranceNanos;
        private long arrival;
        private boolean started;
        private long pauseUntil;
        private boolean paused;

        LocalBucket(long intervalNanos, int burst) {
            this.intervalNanos = intervalNanos;
            this.toleranceNanos = intervalNanos * (burst - 1);
        }

        synchronized Turn take(boolean urgent, long maxWaitNanos) {
            long now = System.nanoTime();
            Turn pause = urgent ? null : paused(now);
            if (pause != null) {
                return pause;
            }
            long at = !started || arrival - now < 0 ? now : arrival;
            long wait = Math.max(0, at - toleranceNanos - now);
            if (wait > maxWaitNanos) {
                return new Turn(Turn.Kind.REFUSED, Duration.ofNanos(wait));
            }
            arrival = at + intervalNanos;
            started = true;
            return new Turn(Turn.Kind.GRANTED, Duration.ofNanos(wait));
        }

        synchronized Turn paused() {
            return paused(System.nanoTime());
        }

        synchronized void pause(long nanos) {
            long until = System.nanoTime() + nanos;
            if (!paused || until - pauseUntil > 0) {
                pauseUntil = until;
                paused = true;
            }
        }

        private Turn paused(long now) {
            return paused && pauseUntil - now > 0
                    ? new Turn(Turn.Kind.DEFERRED, Duration.ofNanos(pauseUntil - now))
                    : null;
        }
    }

    // Loaded only once a budget asks Redis: with the tier off, no Spring Data Redis class is
    // (docs/benchmarks.md#footprint).
    private static final class Scripts {

        // KEYS[1]: the budget; ARGV: interval (µs), burst (calls), longest wait (µs), urgent (1|0). "g<wait µs>": go
        // after the wait (reserved); "r<wait µs>": refused, the turn is further off than that; "p<µs left>": paused.
        private static final RedisScript<String> TAKE = RedisScript.of("""
                redis.replicate_commands()
                local t = redis.call('TIME')
                local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
                local interval = tonumber(ARGV[1])
                local pause = tonumber(redis.call('HGET', KEYS[1], 'pause') or '0')
                if ARGV[4] == '0' and pause > now then return 'p' .. (pause - now) end
                local tat = tonumber(redis.call('HGET', KEYS[1], 'tat') or '0')
                if tat < now then tat = now end
                local wait = tat - interval * (tonumber(ARGV[2]) - 1) - now
                if wait < 0 then wait = 0 end
                if wait > tonumber(ARGV[3]) then return 'r' .. wait end
                tat = tat + interval
                redis.call('HSET', KEYS[1], 'tat', tat)
                redis.call('PEXPIRE', KEYS[1], math.ceil((math.max(tat, pause) - now) / 1000) + 1000)
                return 'g' .. wait
                """, String.class);

        // KEYS[1]: the budget; ARGV[1]: the pause (µs). Pauses calls nobody waits on until then, or longer if
        // already so.
        private static final RedisScript<Long> PAUSE = RedisScript.of("""
                redis.replicate_commands()
                local t = redis.call('TIME')
                local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
                local pause = math.max(now + tonumber(ARGV[1]), tonumber(redis.call('HGET', KEYS[1], 'pause') or '0'))
                local tat = tonumber(redis.call('HGET', KEYS[1], 'tat') or '0')
                redis.call('HSET', KEYS[1], 'pause', pause)
                redis.call('PEXPIRE', KEYS[1], math.ceil((math.max(tat, pause) - now) / 1000) + 1000)
                return 1
                """, Long.class);

        // KEYS[1]: the budget. The µs left of the upstream's pause, 0 when there is none.
        private static final RedisScript<Long> PAUSED = RedisScript.of("""
                local t = redis.call('TIME')
                local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
                local pause = tonumber(redis.call('HGET', KEYS[1], 'pause') or '0')
                if pause > now then return pause - now end
                return 0
                """, Long.class);
    }
}
