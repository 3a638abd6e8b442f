package dev.tokenbroker.caller;

import java.util.concurrent.atomic.AtomicReference;

/**
 * One caller's token bucket: holds up to {@code burst} tokens, refilled continuously at {@code perSecond}; a request
 * takes one. Lock-free (compare-and-set on an immutable state). Time is passed in, in nanoseconds.
 */
final class TokenBucket {

    private static final double NANOS_PER_SECOND = 1_000_000_000d;

    private final double perSecond;
    private final int burst;
    private final AtomicReference<State> state;

    TokenBucket(double perSecond, int burst, long nowNanos) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.state = new AtomicReference<>(new State(burst, nowNanos));
    }

    /** Takes a token: 0 when one was there, else how many nanoseconds until one will be. */
    long take(long nowNanos) {
        while (true) {
            State current = state.get();
            long elapsed = Math.max(0, nowNanos - current.atNanos());
            double tokens = Math.min(burst, current.tokens() + elapsed * perSecond / NANOS_PER_SECOND);
            if (tokens < 1) {
                return (long) Math.ceil((1 - tokens) / perSecond * NANOS_PER_SECOND);
            }
            if (state.compareAndSet(current, new State(tokens - 1, Math.max(nowNanos, current.atNanos())))) {
                return 0;
            }
        }
    }

    /** How long an untouched bucket takes to be full again, in nanoseconds: after that, forgetting it changes nothing. */
    long refillNanos() {
        return (long) Math.ceil(burst / perSecond * NANOS_PER_SECOND);
    }

    private record State(double tokens, long atNanos) {}
}
