package dev.tokenbroker.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Requests sent in the background, {@code concurrency} at a time, until {@link #stop()} (at most a million), while a
 * test changes the world under them; every answer is kept. The request function must map its own failures to an
 * answer, so that a failed request is counted, never lost.
 *
 * @param <T> an answer
 */
public final class BackgroundLoad<T> {

    private final ConcurrentLinkedQueue<T> answers = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    private final Disposable running;

    private BackgroundLoad(IntFunction<Mono<T>> request, int concurrency) {
        running = Flux.range(0, 1_000_000).flatMap(request::apply, concurrency).subscribe(answer -> {
            answers.add(answer);
            count.incrementAndGet();
        });
    }

    /** Starts sending; request {@code i} is the i-th. */
    public static <T> BackgroundLoad<T> start(IntFunction<Mono<T>> request, int concurrency) {
        return new BackgroundLoad<>(request, concurrency);
    }

    /** How many answers have come so far. */
    public int count() {
        return count.get();
    }

    /** Waits (30 s at most) until at least this many answers have come. */
    public void atLeast(int answered) {
        await().atMost(Duration.ofSeconds(30)).until(() -> count.get() >= answered);
    }

    /** Stops sending. @return every answer that came */
    public List<T> stop() {
        running.dispose();
        return List.copyOf(answers);
    }
}
