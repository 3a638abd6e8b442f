package dev.tokenbroker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code json-lines} appender on its own, writing to a {@code System.out} the test holds: what threads log at
 * once comes out once each, in each thread's order; {@code stop()} returns only when what was queued is written; a
 * full queue (standard output stuck) makes the logging threads write their lines themselves, and none is lost.
 */
class JsonLinesAppenderTests {

    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("AUDIT");
    private final PrintStream original = System.out;
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private final JsonLinesAppender appender = new JsonLinesAppender();

    @BeforeEach
    void captureStandardOutput() {
        System.setOut(new PrintStream(written, false, StandardCharsets.UTF_8));
        appender.setContext(context);
        appender.start();
    }

    @AfterEach
    void restoreStandardOutput() {
        appender.stop();
        System.setOut(original);
    }

    @Test
    void stopWhenThreadsLoggedUpToTheLastMomentThenEveryLineOnceInEachThreadsOrder() throws InterruptedException {
        int threads = 4;
        int each = 20_000;
        logFrom(threads, each, appender);

        appender.stop();

        List<String> lines = lines();
        assertThat(lines).hasSize(threads * each).doesNotHaveDuplicates();
        for (int t = 0; t < threads; t++) {
            String prefix = "{\"request_id\":\"" + t + "-";
            List<Integer> order = lines.stream()
                    .filter(line -> line.startsWith(prefix))
                    .map(line -> Integer.parseInt(line.substring(prefix.length(), line.indexOf('"', prefix.length()))))
                    .toList();
            assertThat(order).as("thread " + t).hasSize(each).isSorted();
        }
    }

    // Until it is detached, a stopped appender still gets lines (a shutdown's last refusals): none may be dropped.
    @Test
    void appendWhenStoppedThenTheLoggingThreadWritesTheLineAtOnce() {
        appender.stop();

        appender.doAppend(event("after-stop"));

        assertThat(lines()).containsExactly("{\"request_id\":\"after-stop\"}");
    }

    @Test
    void appendWhenStandardOutputIsStuckAndTheQueueFillsThenTheLoggingThreadsWriteAndNoneIsLost()
            throws InterruptedException {
        CountDownLatch unstuck = new CountDownLatch(1);
        System.setOut(new PrintStream(
                new OutputStream() {
                    @Override
                    public void write(int b) {
                        write(new byte[] {(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] bytes, int offset, int length) {
                        awaitQuietly(unstuck);
                        written.write(bytes, offset, length);
                    }
                },
                false,
                StandardCharsets.UTF_8));
        int lines = JsonLinesAppender.CAPACITY + 5_000;
        Thread logging = new Thread(() -> {
            for (int i = 0; i < lines; i++) {
                appender.doAppend(event("0-" + i));
            }
        });
        logging.start();
        // The writer holds its first batch against the stuck stream; the queue fills, and the logging thread ends up
        // writing a line of its own, which waits on the same stuck stream.
        while (logging.isAlive()
                && logging.getState() != Thread.State.BLOCKED
                && logging.getState() != Thread.State.WAITING) {
            Thread.onSpinWait();
        }
        unstuck.countDown();
        logging.join();

        appender.stop();

        assertThat(lines()).hasSize(lines).doesNotHaveDuplicates();
    }

    private void logFrom(int threads, int each, JsonLinesAppender target) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger failures = new AtomicInteger();
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread logging = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        target.doAppend(event(thread + "-" + i));
                    }
                } catch (InterruptedException | RuntimeException e) {
                    failures.incrementAndGet();
                }
            });
            logging.start();
            started.add(logging);
        }
        start.countDown();
        for (Thread logging : started) {
            logging.join();
        }
        assertThat(failures).hasValue(0);
    }

    private LoggingEvent event(String requestId) {
        return new LoggingEvent(Logger.FQCN, logger, Level.INFO, "{\"request_id\":\"" + requestId + "\"}", null, null);
    }

    private List<String> lines() {
        String all = written.toString(StandardCharsets.UTF_8);
        assertThat(all).endsWith("\n");
        return Arrays.asList(all.substring(0, all.length() - 1).split("\n", -1));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
