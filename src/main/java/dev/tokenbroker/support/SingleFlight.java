package dev.tokenbroker.support;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * Single flight per key: while work for a key runs, every caller of {@link #run} with that key gets its result; the
 * first call after it has ended starts the work anew. Results and failures are not remembered beyond that. The work
 * runs to its end even when every caller has cancelled, so one impatient caller never cancels it for the others.
 * Keys are compared with {@code equals}. Thread-safe.
 *
 * @param <K> what the work is for
 * @param <V> what it produces
 */
public final class SingleFlight<K, V> {

    private final ConcurrentHashMap<K, CompletableFuture<V>> running = new ConcurrentHashMap<>();

    /** The result of the work for the key: running work joined, or {@code work} started. Cold: starts on subscribe. */
    public Mono<V> run(K key, Supplier<Mono<V>> work) {
        return Mono.fromFuture(() -> start(key, work), true);
    }

    /**
     * Like {@link #run}, but starts or joins at once.
     *
     * @return completes with the work's value ({@code null} when it completes empty) or its error
     */
    public CompletableFuture<V> start(K key, Supplier<Mono<V>> work) {
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> theirs = running.putIfAbsent(key, mine);
        if (theirs != null) {
            return theirs;
        }
        Mono<V> started;
        try {
            started = work.get();
        } catch (RuntimeException failure) {
            started = Mono.error(failure);
        }
        // Leave the map before completing, so that whoever the completion wakes up can start the next flight.
        started.subscribe(
                value -> {
                    running.remove(key, mine);
                    mine.complete(value);
                },
                failure -> {
                    running.remove(key, mine);
                    mine.completeExceptionally(failure);
                },
                () -> {
                    running.remove(key, mine);
                    mine.complete(null);
                });
        return mine;
    }

    /** Whether work for the key is running now. */
    public boolean isRunning(K key) {
        return running.containsKey(key);
    }
}
