package dev.tokenbroker.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.problem.AuditUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Group commit: an awaited line is acknowledged only once its batch was written, lines of concurrent writers share
 * writes, a failed write refuses every line of its batch, a full queue (in bytes) refuses awaited lines and drops (and
 * counts) the others, and closing writes what is queued.
 */
class AuditJournalTests {

    private final List<List<String>> writes = new CopyOnWriteArrayList<>();
    private final AtomicBoolean failing = new AtomicBoolean();
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch writing = new CountDownLatch(1);
    private volatile boolean holding;
    private final AuditOutput recording = lines -> {
        writing.countDown();
        if (holding) {
            await(held);
        }
        writes.add(lines.stream().map(QueuedLine::json).toList());
        return !failing.get();
    };
    private AuditJournal journal;

    @AfterEach
    void close() {
        held.countDown();
        if (journal != null) {
            journal.close();
        }
    }

    @Test
    void awaitedWhenWrittenThenCompletesAfterItsWrite() {
        journal = new AuditJournal(recording, 1 << 20);

        journal.awaited(line("one"), null).block(Duration.ofSeconds(10));

        assertThat(writes).containsExactly(List.of("one"));
    }

    @Test
    void awaitedWhenManyWritersAtOnceThenLinesShareWritesAndEachIsAcknowledgedAfterItsOwn() {
        journal = new AuditJournal(recording, 1 << 20);
        int lines = 2_000;

        List<String> acknowledged = new CopyOnWriteArrayList<>();
        Flux.range(0, lines)
                .flatMap(
                        i -> journal.awaited(line("line-" + i), null)
                                .then(Mono.fromRunnable(() -> {
                                    // Acknowledged: its line must be in a write already done.
                                    assertThat(writes.stream().flatMap(List::stream))
                                            .contains("line-" + i);
                                    acknowledged.add("line-" + i);
                                }))
                                .subscribeOn(Schedulers.parallel()),
                        64)
                .blockLast(Duration.ofSeconds(30));

        assertThat(acknowledged).hasSize(lines);
        assertThat(writes.stream().mapToInt(List::size).sum()).isEqualTo(lines);
        assertThat(journal.batches()).isLessThan(lines);
    }

    @Test
    void awaitedWhenTheWriteFailsThenEveryLineOfTheBatchIsRefused() {
        journal = new AuditJournal(recording, 1 << 20);
        failing.set(true);

        assertThatThrownBy(() -> journal.awaited(line("lost"), null).block(Duration.ofSeconds(10)))
                .isInstanceOf(AuditUnavailableException.class)
                .hasMessageContaining("nothing was issued");
    }

    @Test
    void whenTheQueueIsFullInBytesThenAwaitedLinesAreRefusedAndOthersDroppedAndCounted() {
        holding = true;
        QueuedLine first = line("first");
        journal = new AuditJournal(recording, 3 * first.size());
        journal.append(first);
        // The writer holds "first" in a write that does not return; the queue has room for two more lines.
        await(writing);
        journal.append(line("second"));
        journal.append(line("third"));

        journal.append(line("dropped"));
        Mono<Void> refused = journal.awaited(line("refused"), null);

        assertThatThrownBy(() -> refused.block(Duration.ofSeconds(10)))
                .isInstanceOf(AuditUnavailableException.class)
                .hasMessageContaining("not keeping up");
        assertThat(journal.dropped()).isEqualTo(1);
        held.countDown();
        journal.close();
        assertThat(writes.stream().flatMap(List::stream)).containsExactly("first", "second", "third");
    }

    @Test
    void closeWhenLinesQueuedThenWritesThemAllAndLaterLinesToo() {
        journal = new AuditJournal(recording, 1 << 20);
        for (int i = 0; i < 100; i++) {
            journal.append(line("queued-" + i));
        }

        journal.close();
        journal.append(line("after"));

        List<String> written = new ArrayList<>();
        writes.forEach(written::addAll);
        assertThat(written).hasSize(101).endsWith("after");
    }

    private static QueuedLine line(String json) {
        return new QueuedLine(json, 0, "test");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
