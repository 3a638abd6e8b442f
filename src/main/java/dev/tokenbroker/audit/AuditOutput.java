package dev.tokenbroker.audit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.FilterReply;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;

/**
 * Where {@link AuditJournal} writes a batch of lines, in one write to standard output when it can. Called by the
 * journal's thread only.
 */
interface AuditOutput {

    /**
     * Writes the lines, in order.
     *
     * @return whether they were written: standard output took every byte ({@code write(2)} returned without error)
     */
    boolean write(List<QueuedLine> lines);

    /** Each line bare, one JSON object per line on standard output ({@code tokenbroker.audit.stdout=json-lines}). */
    static AuditOutput jsonLines() {
        return lines -> {
            ByteArrayOutputStream batch = new ByteArrayOutputStream(lines.size() * 256);
            for (QueuedLine line : lines) {
                batch.writeBytes(line.json().getBytes(StandardCharsets.UTF_8));
                batch.write('\n');
            }
            return print(batch);
        };
    }

    /**
     * As the logging configuration writes the {@code AUDIT} logger ({@code tokenbroker.audit.stdout=pattern}). When it
     * writes through Boot's console appender alone (the default), each line is laid out by that appender's encoder
     * (Boot's console pattern, with the time and thread of the request that logged it) and the batch goes to standard
     * output in one write. Any other configuration (a file, a logback.xml of the team's) gets each line through the
     * logger, one after another, each written by the time the logger returns (logback's appenders write in the
     * caller's thread, here the journal's).
     */
    static AuditOutput pattern(Logger audit) {
        return lines -> {
            ConsoleAppender<ILoggingEvent> console = consoleOnly(audit);
            if (console == null) {
                lines.forEach(line -> audit.info(line.json()));
                return true;
            }
            ByteArrayOutputStream batch = new ByteArrayOutputStream(lines.size() * 384);
            for (QueuedLine line : lines) {
                LoggingEvent event =
                        new LoggingEvent(Logger.class.getName(), audit, Level.INFO, line.json(), null, null);
                event.setTimeStamp(line.timestamp());
                event.setThreadName(line.thread());
                if (console.getFilterChainDecision(event) != FilterReply.DENY) {
                    batch.writeBytes(console.getEncoder().encode(event));
                }
            }
            return print(batch);
        };
    }

    // The console appender on standard output, when it is the only place the AUDIT logger writes to (it has no
    // appender of its own and inherits the root logger's one appender).
    @SuppressWarnings("unchecked")
    private static ConsoleAppender<ILoggingEvent> consoleOnly(Logger audit) {
        if (audit.iteratorForAppenders().hasNext() || !audit.isAdditive()) {
            return null;
        }
        Logger root = audit.getLoggerContext().getLogger(Logger.ROOT_LOGGER_NAME);
        Iterator<Appender<ILoggingEvent>> appenders = root.iteratorForAppenders();
        Appender<ILoggingEvent> only = appenders.hasNext() ? appenders.next() : null;
        if (appenders.hasNext()
                || !(only instanceof ConsoleAppender<?> console)
                || !console.isStarted()
                || !"System.out".equals(console.getTarget())
                || console.getEncoder() == null) {
            return null;
        }
        return (ConsoleAppender<ILoggingEvent>) console;
    }

    // System.out as it is now (a test may have replaced it). PrintStream writes the whole range under its own lock,
    // so that lines of other writers on the same stream never land inside a batch; it keeps write errors to itself,
    // which checkError (after a flush) reports.
    private static boolean print(ByteArrayOutputStream batch) {
        if (batch.size() == 0) {
            return true;
        }
        PrintStream out = System.out;
        byte[] bytes = batch.toByteArray();
        out.write(bytes, 0, bytes.length);
        return !out.checkError();
    }
}
