package dev.tokenbroker.support;

/**
 * A credential and where this replica got it: minted here from the master key, or taken from the shared tier, where
 * another replica (or this one, earlier) put it. Operators see the difference in the actuator's {@code tokens} view.
 *
 * @param value the credential
 * @param shared whether it came from the shared tier rather than from an upstream call of this replica
 * @param <V> what kind of credential
 */
public record Obtained<V>(V value, boolean shared) {

    /** A credential this replica minted. */
    public static <V> Obtained<V> minted(V value) {
        return new Obtained<>(value, false);
    }

    /** A credential read from the shared tier. */
    public static <V> Obtained<V> fromSharedTier(V value) {
        return new Obtained<>(value, true);
    }

    /** {@code shared} or {@code minted}, as operators see it. */
    public String source() {
        return shared ? "shared" : "minted";
    }
}
