package dev.tokenbroker.cache;

/**
 * Told about master-key rotations (metrics, audit). Called on whatever thread the proof completed on: keep it quick.
 */
public interface RotationListener {

    /** A new version of the secret minted: it is in service, credentials minted with older versions are dropped. */
    default void rotated(String secret, String version) {}

    /**
     * A new version of the secret could not mint (refused upstream, a field missing); the version in service keeps
     * serving and the new one is retried with backoff. Told once per version.
     *
     * @param error a secret-free description: upstream, status and error code, or the missing field
     */
    default void refused(String secret, String version, String error) {}
}
