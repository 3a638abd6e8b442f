package dev.tokenbroker.cache;

import java.time.Duration;

/**
 * Hooks on what a {@link TokenCache} does, for metrics and health. Called on whatever thread the event happens on
 * (event loops included): implementations must be cheap, must not block and must not throw. Every method has an empty
 * default. Arguments never carry a secret: {@code credential} is a configured credential name.
 */
public interface CacheObserver {

    /** Observes nothing. */
    CacheObserver NONE = new CacheObserver() {};

    /** A mint (upstream call, retries included) succeeded after {@code took}. */
    default void minted(String kind, String credential, Duration took) {}

    /** A mint failed after {@code took}; {@code failure} is usually an {@code UpstreamException}. */
    default void mintFailed(String kind, String credential, Duration took, Throwable failure) {}

    /** A background or forced refresh of an existing entry ended; {@code success} false keeps the old credential. */
    default void refreshed(String kind, String credential, boolean success) {}

    /**
     * A request was answered from the cache at once, without a subscription ({@link TokenCache#cached}); its lookup
     * took {@code nanos}. The reactive lookup ({@link TokenCache#get}) is an observation instead.
     */
    default void hit(String kind, String credential, long nanos) {}

    /** A request joined a mint already in flight instead of starting its own (single flight). */
    default void joined(String kind, String credential) {}

    /** A request was served a credential whose refresh is due and whose last refresh failed (stale while valid). */
    default void servedStale(String kind, String credential) {}
}
