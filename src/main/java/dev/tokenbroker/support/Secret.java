package dev.tokenbroker.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A secret value: a master key, a minted token or a caller's key. It prints nothing: {@link #toString()} is always
 * {@code Secret[redacted]}, so a secret held by any object cannot leak through logging or exception messages. The
 * raw value is only available through {@link #reveal()}, which callers use at the last moment (an HTTP body, a
 * hash). Immutable and thread-safe; {@link #equals(Object)} compares in constant time.
 */
public final class Secret {

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /**
     * Wraps a value.
     *
     * @throws IllegalArgumentException if the value is empty (the message never contains the value)
     */
    public static Secret of(String value) {
        Objects.requireNonNull(value, "secret value");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("secret value must not be empty");
        }
        return new Secret(value);
    }

    /** The raw value; keep it out of logs, messages and metrics. */
    public String reveal() {
        return value;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Secret that
                && MessageDigest.isEqual(
                        value.getBytes(StandardCharsets.UTF_8), that.value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int hashCode() {
        return value.length();
    }

    @Override
    public String toString() {
        return "Secret[redacted]";
    }
}
