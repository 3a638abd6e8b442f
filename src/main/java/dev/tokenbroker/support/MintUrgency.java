package dev.tokenbroker.support;

import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * Whether a caller waits on a mint, carried in the Reactor context of the mint (the cache writes it, the upstream
 * budget reads it): a mint nobody waits on may be deferred while an upstream asks every replica to slow down; a mint
 * a caller waits on never is (DESIGN §10).
 */
public enum MintUrgency {

    /** A caller holds no valid credential and waits: a cold key, an entry past the caller's minimum validity. */
    URGENT,

    /** A refresh ahead of expiry: callers are served the current credential meanwhile. */
    AHEAD;

    /** The urgency of the mint this context belongs to; {@link #URGENT} when none was written. */
    public static MintUrgency of(ContextView context) {
        return context.getOrDefault(MintUrgency.class, URGENT);
    }

    /** The context with this urgency written into it. */
    public Context into(Context context) {
        return context.put(MintUrgency.class, this);
    }
}
