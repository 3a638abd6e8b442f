package dev.tokenbroker.audit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The {@code AUDIT} logger's appender when {@code tokenbroker.audit.stdout=json-lines}: each audit line as it is, one
 * JSON object per line on standard output, with no log pattern around it. One thread writes them, many lines to a
 * {@code write}: the threads that log (event loops) only queue the line. A line is written within about a
 * millisecond; under sustained load the writer waits that long between writes, so that one write carries every line
 * of that millisecond.
 *
 * <p>Nothing is dropped. When {@value #CAPACITY} lines are waiting (standard output no longer keeps up), the thread
 * that logs writes its line itself, as the console appender does: back-pressure, at the cost of that line coming out
 * ahead of some queued ones. Stopping (the application context closing, or logback's reset) writes every queued line
 * before it returns, and a line logged after that is written by the thread that logs it.
 */
final class JsonLinesAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

    static final int CAPACITY = 65_536;

    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long STOP_WAIT_MILLIS = TimeUnit.SECONDS.toMillis(30);
    private static final int WRITE_BYTES = 64 * 1024;

    private final Queue<String> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private byte[] batch = new byte[WRITE_BYTES];
    private volatile Thread writer;
    private volatile boolean idle;
    private volatile boolean closing;

    /**
     * Gives {@code logger} (logback's) a started appender of this kind in place of the ones it inherits. Logging that is
     * not logback's is left alone: the AUDIT logger then writes as that configuration says.
     */
    static JsonLinesAppender attach(org.slf4j.Logger logger) {
        if (!(logger instanceof Logger audit)) {
            return null;
        }
        JsonLinesAppender appender = new JsonLinesAppender();
        appender.setContext(audit.getLoggerContext());
        appender.setName("AUDIT_JSON_LINES");
        appender.start();
        audit.addAppender(appender);
        audit.setAdditive(false);
        return appender;
    }

    /**
     * Writes what is queued and gives {@code logger} back the appenders it inherits. A line logged in between may come
     * out twice, bare and in the console pattern; none is lost.
     */
    void detach(org.slf4j.Logger logger) {
        stop();
        if (logger instanceof Logger audit) {
            audit.setAdditive(true);
            audit.detachAppender(this);
        }
    }

    @Override
    public void start() {
        closing = false;
        Thread thread = new Thread(this::writeUntilClosed, "audit-writer");
        thread.setDaemon(true);
        writer = thread;
        super.start();
        thread.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        String line = event.getFormattedMessage();
        if (closing) {
            writeNow(line);
            return;
        }
        if (queued.incrementAndGet() > CAPACITY) {
            queued.decrementAndGet();
            writeNow(line);
            return;
        }
        waiting.add(line);
        if (idle) {
            LockSupport.unpark(writer);
        }
        if (closing) {
            // Stopped while this line went in: the writer may have finished, so this thread writes what is left.
            write();
        }
    }

    /**
     * Writes every queued line, then returns; lines logged from now on are written by the thread that logs them. The
     * appender stays started for logback (a stopped one would drop what is still logged to it before it is detached).
     */
    @Override
    public void stop() {
        if (closing) {
            return;
        }
        closing = true;
        Thread thread = writer;
        LockSupport.unpark(thread);
        try {
            thread.join(STOP_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Whatever the writer left (it was interrupted, or standard output blocked for the whole wait) goes now.
        write();
    }

    private void writeUntilClosed() {
        while (true) {
            int written = write();
            if (written > 0) {
                if (!closing) {
                    LockSupport.parkNanos(this, LINGER_NANOS);
                }
                continue;
            }
            if (closing) {
                return;
            }
            idle = true;
            if (waiting.isEmpty() && !closing) {
                LockSupport.park(this);
            }
            idle = false;
        }
    }

    // Writes what is queued, in as few writes as it takes; returns the number of lines.
    private synchronized int write() {
        int lines = 0;
        int length = 0;
        for (String line = waiting.poll(); line != null; line = waiting.poll()) {
            queued.decrementAndGet();
            lines++;
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            if (length + bytes.length + 1 > batch.length && length > 0) {
                print(batch, length);
                length = 0;
            }
            if (bytes.length + 1 > batch.length) {
                batch = Arrays.copyOf(batch, bytes.length + 1);
            }
            System.arraycopy(bytes, 0, batch, length, bytes.length);
            length += bytes.length;
            batch[length++] = '\n';
        }
        if (length > 0) {
            print(batch, length);
        }
        return lines;
    }

    private static void writeNow(String line) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        print(bytes, bytes.length);
    }

    // System.out as it is now (a test may have replaced it); PrintStream writes the whole range under its own lock,
    // so lines of other appenders on the same stream never land inside a batch.
    private static void print(byte[] bytes, int length) {
        PrintStream out = System.out;
        out.write(bytes, 0, length);
        out.flush();
    }
}
