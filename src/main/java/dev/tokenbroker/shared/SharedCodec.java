package dev.tokenbroker.shared;

/**
 * Turns a minted credential into the bytes the shared tier encrypts, and back. The bytes hold the secret: they are
 * only ever seen by {@link SharedTier}, which encrypts them before they leave the process.
 *
 * @param <V> the credential
 */
public interface SharedCodec<V> {

    byte[] encode(V value);

    /** @throws IllegalArgumentException when the bytes are not one of ours */
    V decode(byte[] bytes);
}
