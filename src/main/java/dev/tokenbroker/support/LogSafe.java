package dev.tokenbroker.support;

/**
 * Makes a value that a caller controls (a JWT's {@code kid}, {@code iss} or {@code sub}, a path, a header value) safe to
 * put in a log line: it can neither end the line nor start a new one, nor drive a terminal. CR, LF, tab, every other
 * C0 and C1 control character, DEL, ESC (ANSI sequences), U+2028/U+2029 and the bidirectional overrides are written as
 * {@code \n}, {@code \r}, {@code \t} or {@code \\uXXXX}; a backslash is doubled, so the escaped text is unambiguous;
 * and the result is capped at {@link #MAX_LENGTH} characters of input. Use it for every such value, at the call site,
 * where a reviewer can see it: {@code log.info("unknown key id {}", LogSafe.text(kid))}. Thread-safe, allocation-free
 * when nothing needs escaping.
 */
public final class LogSafe {

    /** How many characters of input are kept; the rest is replaced by a count. */
    public static final int MAX_LENGTH = 200;

    private LogSafe() {}

    /**
     * The value, escaped and capped; {@code "null"} for {@code null}.
     *
     * @param value untrusted text
     * @return text that is one line with no control characters
     */
    public static String text(String value) {
        if (value == null) {
            return "null";
        }
        int length = Math.min(value.length(), MAX_LENGTH);
        if (value.length() <= MAX_LENGTH && isClean(value)) {
            return value;
        }
        StringBuilder safe = new StringBuilder(length + 16);
        for (int index = 0; index < length; index++) {
            char c = value.charAt(index);
            switch (c) {
                case '\n' -> safe.append("\\n");
                case '\r' -> safe.append("\\r");
                case '\t' -> safe.append("\\t");
                case '\\' -> safe.append("\\\\");
                default -> {
                    if (needsEscape(c)) {
                        safe.append(String.format("\\u%04x", (int) c));
                    } else {
                        safe.append(c);
                    }
                }
            }
        }
        if (value.length() > MAX_LENGTH) {
            safe.append("...(").append(value.length() - MAX_LENGTH).append(" more)");
        }
        return safe.toString();
    }

    private static boolean isClean(String value) {
        for (int index = 0; index < value.length(); index++) {
            char c = value.charAt(index);
            if (c == '\\' || needsEscape(c)) {
                return false;
            }
        }
        return true;
    }

    // C0 controls (tab, CR, LF, ESC among them), DEL, C1 controls (0x85 is a line break for some readers), the Unicode
    // line and paragraph separators, and the bidirectional controls that can make a line read differently than it is.
    private static boolean needsEscape(char c) {
        return c < 0x20
                || (c >= 0x7f && c <= 0x9f)
                || c == '\u2028'
                || c == '\u2029'
                || (c >= '\u202a' && c <= '\u202e')
                || (c >= '\u2066' && c <= '\u2069')
                || c == '\u200e'
                || c == '\u200f';
    }
}
