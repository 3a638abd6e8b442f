package dev.tokenbroker.audit;

/**
 * An audit line waiting to be written, with when and on which thread it was logged (what a log pattern prints).
 *
 * @param json the line ({@link AuditLine})
 * @param timestamp when it was logged, in epoch milliseconds
 * @param thread the name of the thread that logged it
 */
record QueuedLine(String json, long timestamp, String thread) {

    // Room it takes in the queue: its characters, and about as much again for a log pattern around it.
    long size() {
        return 2L * json.length() + 64;
    }
}
