package dev.tokenbroker.caller;

import org.springframework.security.authentication.ReactiveAuthenticationManager;

/**
 * The caller authentication manager, with a synchronous answer for the bearer values it can settle at once: a
 * configured client key, or a workload JWT verified before and not yet expired. The hot path asks it first and goes
 * the reactive way ({@link #authenticate}) for everything else, a JWT to verify, an unknown value, so that both
 * answer alike. Thread-safe.
 */
public interface KnownCallers extends ReactiveAuthenticationManager {

    /**
     * The caller a bearer value authenticates, when that is known without waiting.
     *
     * @return the caller, or null: not known now (unknown, or a JWT not verified yet); {@link #authenticate} decides
     */
    CallerAuthentication known(String bearer);
}
