package dev.tokenbroker.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogSafeTests {

    @Test
    void textWhenCleanThenUnchanged() {
        String kid = "cluster-rsa-1 system:serviceaccount:ml:scorer";

        String safe = LogSafe.text(kid);

        assertThat(safe).isSameAs(kid);
    }

    @Test
    void textWhenLineBreaksThenEscapedOnOneLine() {
        String forged = "x\nFAKELOG-INJECTED outcome=issued\r\nFAKELOG-2\u2028FAKELOG-3\u0085FAKELOG-4";

        String safe = LogSafe.text(forged);

        assertThat(safe)
                .doesNotContain("\n", "\r", "\u2028", "\u0085")
                .isEqualTo("x\\nFAKELOG-INJECTED outcome=issued\\r\\nFAKELOG-2\\u2028FAKELOG-3\\u0085FAKELOG-4");
    }

    @Test
    void textWhenAnsiEscapeOrControlsThenEscaped() {
        String ansi = "\u001b[2K\u001b[1Gok\u0000\u007f\u202e";

        String safe = LogSafe.text(ansi);

        assertThat(safe).isEqualTo("\\u001b[2K\\u001b[1Gok\\u0000\\u007f\\u202e");
        assertThat(safe.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
    }

    @Test
    void textWhenBackslashThenDoubledSoThatEscapesCannotBeFaked() {
        String fake = "a\\nb";

        String safe = LogSafe.text(fake);

        assertThat(safe).isEqualTo("a\\\\nb");
    }

    @Test
    void textWhenLongThenCappedWithCount() {
        String longValue = "a".repeat(LogSafe.MAX_LENGTH + 50);

        String safe = LogSafe.text(longValue);

        assertThat(safe).isEqualTo("a".repeat(LogSafe.MAX_LENGTH) + "...(50 more)");
    }

    @Test
    void textWhenNullThenNullWord() {
        assertThat(LogSafe.text(null)).isEqualTo("null");
    }
}
