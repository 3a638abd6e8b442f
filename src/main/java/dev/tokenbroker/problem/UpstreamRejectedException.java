package dev.tokenbroker.problem;

import dev.tokenbroker.support.Upstream;

/**
 * The upstream answered, but refused: a bad or unknown master key, a forbidden operation, or a response we cannot
 * understand. Shown to callers as 502. {@link #permanent()} failures (400/401/403) are not retried and are
 * remembered for a while so that a bad key is not hammered.
 */
public final class UpstreamRejectedException extends UpstreamException {

    private final int upstreamStatus;
    private final boolean permanent;

    public UpstreamRejectedException(
            Upstream upstream, int upstreamStatus, String upstreamErrorCode, boolean permanent, String message) {
        super(ProblemType.UPSTREAM_REJECTED, upstream, message, upstreamErrorCode, null);
        this.upstreamStatus = upstreamStatus;
        this.permanent = permanent;
    }

    /** The HTTP status the upstream answered with (0 when it answered 200 with an unusable body). */
    public int upstreamStatus() {
        return upstreamStatus;
    }

    /** Whether asking again with the same key cannot help. */
    public boolean permanent() {
        return permanent;
    }
}
