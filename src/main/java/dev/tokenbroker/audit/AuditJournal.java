package dev.tokenbroker.audit;

import dev.tokenbroker.problem.AuditUnavailableException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Group commit of audit lines: the lines of every thread go into one queue, and one thread ({@code audit-writer})
 * writes everything queued in one write, then takes what came in meanwhile, and so on. A line whose writer waits for
 * it (an issuance) is acknowledged once its batch is written ({@code write(2)} returned): the acknowledgement is run on
 * the executor the writer named (its connection's event loop), so that the writer's answer goes on where it began.
 * Lines nobody waits for (refusals, rotations) take the same queue, in the same order.
 *
 * <p>The queue is bounded in bytes. An awaited line that does not fit, or whose batch fails to be written, is
 * refused with {@link AuditUnavailableException}; a line nobody waits for that does not fit is dropped and counted
 * ({@link #dropped()}). Closing writes what is queued and stops the thread; a line appended after that is written by
 * the thread that appends it. Thread-safe.
 */
final class AuditJournal implements AutoCloseable {

    private static final long CLOSE_WAIT_MILLIS = TimeUnit.SECONDS.toMillis(30);
    // How long the writer waits for more lines after a write of several, when lines come in faster than one at a time.
    private static final long GATHER_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private final AuditOutput output;
    private final long capacity;
    private final Queue<Entry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final Thread writer;
    private volatile boolean idle;
    private volatile boolean closing;

    AuditJournal(AuditOutput output, long capacityBytes) {
        this.output = output;
        this.capacity = capacityBytes;
        this.writer = new Thread(this::writeUntilClosed, "audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Queues a line and gives a {@link Mono} that completes once it is written, on {@code resumeOn} (null: on the
     * writer's thread), or fails with {@link AuditUnavailableException}.
     */
    Mono<Void> awaited(QueuedLine event, Executor resumeOn) {
        return Mono.create(sink -> {
            Entry entry = new Entry(event, sink, resumeOn);
            if (!offer(entry)) {
                sink.error(new AuditUnavailableException(
                        "the audit log is not keeping up (" + capacity + " bytes queued); nothing was issued"));
            }
        });
    }

    /** Queues a line nobody waits for; dropped (and counted) only when the queue is full. */
    void append(QueuedLine event) {
        if (!offer(new Entry(event, null, null))) {
            dropped.incrementAndGet();
        }
    }

    /** Counts a line that was refused (and so not written) whose writer went on without it. */
    void countDropped() {
        dropped.incrementAndGet();
    }

    /** Lines nobody waited for that were dropped because the queue was full. */
    long dropped() {
        return dropped.get();
    }

    /** Writes done so far, each carrying every line queued at its start. */
    long batches() {
        return batches.get();
    }

    private boolean offer(Entry entry) {
        if (closing) {
            writeNow(List.of(entry));
            return true;
        }
        long size = entry.event.size();
        if (queuedBytes.addAndGet(size) > capacity) {
            queuedBytes.addAndGet(-size);
            return false;
        }
        queue.add(entry);
        if (idle) {
            LockSupport.unpark(writer);
        }
        if (closing) {
            // Closed while this entry went in: the writer may have finished, so this thread writes what is left.
            drainAndWrite();
        }
        return true;
    }

    /** Writes every queued line, then stops the writer; later lines are written by the threads that append them. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        LockSupport.unpark(writer);
        try {
            writer.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drainAndWrite();
    }

    private void writeUntilClosed() {
        while (true) {
            int written = drainAndWrite();
            if (written > 1 && !closing) {
                // Lines are coming in together: let more of them join the next write (a write, and the wake-ups of
                // the writers it releases, cost more than the lines).
                LockSupport.parkNanos(this, GATHER_NANOS);
            }
            if (written > 0) {
                continue;
            }
            if (closing) {
                return;
            }
            idle = true;
            if (queue.isEmpty() && !closing) {
                LockSupport.park(this);
            }
            idle = false;
        }
    }

    // One batch: everything queued now, in one write; returns the number of lines.
    private synchronized int drainAndWrite() {
        List<Entry> batch = new ArrayList<>();
        long bytes = 0;
        for (Entry entry = queue.poll(); entry != null; entry = queue.poll()) {
            batch.add(entry);
            bytes += entry.event.size();
        }
        if (batch.isEmpty()) {
            return 0;
        }
        queuedBytes.addAndGet(-bytes);
        writeNow(batch);
        return batch.size();
    }

    private synchronized void writeNow(List<Entry> batch) {
        List<QueuedLine> lines = new ArrayList<>(batch.size());
        batch.forEach(entry -> lines.add(entry.event));
        boolean written = output.write(lines);
        batches.incrementAndGet();
        acknowledge(batch, written);
    }

    // One task per executor (event loop) for all of its writers in this batch: waking an event loop costs more than
    // what the writers then do.
    private static void acknowledge(List<Entry> batch, boolean written) {
        Map<Executor, List<Entry>> byExecutor = new IdentityHashMap<>();
        for (Entry entry : batch) {
            if (entry.sink == null) {
                continue;
            }
            if (entry.resumeOn == null) {
                entry.acknowledge(written);
            } else {
                byExecutor
                        .computeIfAbsent(entry.resumeOn, executor -> new ArrayList<>())
                        .add(entry);
            }
        }
        byExecutor.forEach((executor, entries) -> {
            Runnable acknowledgeAll = () -> entries.forEach(entry -> entry.acknowledge(written));
            try {
                executor.execute(acknowledgeAll);
            } catch (RejectedExecutionException shutDown) {
                acknowledgeAll.run();
            }
        });
    }

    private record Entry(QueuedLine event, MonoSink<Void> sink, Executor resumeOn) {

        void acknowledge(boolean written) {
            if (written) {
                sink.success();
            } else {
                sink.error(new AuditUnavailableException("the audit log could not be written; nothing was issued"));
            }
        }
    }
}
