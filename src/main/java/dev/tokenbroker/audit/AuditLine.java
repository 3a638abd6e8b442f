package dev.tokenbroker.audit;

/**
 * The JSON of one audit line, written by hand because it is written once per request: the same text Jackson writes
 * for {@link AuditEvent} (its property order, absent values left out, {@code time} as ISO-8601 with nanoseconds in
 * groups of three, strings escaped as Jackson escapes them: {@code "} and {@code \}, and control characters as
 * {@code \b \t \n \f \r} or {@code \}{@code u00XX}), at a fraction of the cost. {@code AuditLineTests} holds it to
 * Jackson's output.
 */
final class AuditLine {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private AuditLine() {}

    static String json(AuditEvent event) {
        StringBuilder line = new StringBuilder(256);
        line.append('{');
        boolean first = true;
        if (event.time() != null) {
            line.append("\"time\":\"").append(event.time()).append('"');
            first = false;
        }
        first = field(line, first, "request_id", event.requestId());
        first = field(line, first, "caller", event.caller());
        first = field(line, first, "credential", event.credential());
        first = field(line, first, "grant", event.grant());
        first = field(line, first, "outcome", event.outcome());
        if (event.status() != null) {
            line.append(first ? "" : ",")
                    .append("\"status\":")
                    .append(event.status().intValue());
            first = false;
        }
        first = field(line, first, "reason", event.reason());
        field(line, first, "fingerprint", event.fingerprint());
        return line.append('}').toString();
    }

    private static boolean field(StringBuilder line, boolean first, String name, String value) {
        if (value == null) {
            return first;
        }
        if (!first) {
            line.append(',');
        }
        line.append('"').append(name).append("\":\"");
        escape(line, value);
        line.append('"');
        return false;
    }

    private static void escape(StringBuilder line, String value) {
        for (int index = 0; index < value.length(); index++) {
            char c = value.charAt(index);
            if (c >= 0x20 && c != '"' && c != '\\') {
                line.append(c);
                continue;
            }
            switch (c) {
                case '"' -> line.append("\\\"");
                case '\\' -> line.append("\\\\");
                case '\b' -> line.append("\\b");
                case '\t' -> line.append("\\t");
                case '\n' -> line.append("\\n");
                case '\f' -> line.append("\\f");
                case '\r' -> line.append("\\r");
                default -> line.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
    }
}
