package dev.tokenbroker.problem;

import dev.tokenbroker.support.Upstream;
import java.util.Map;
import java.util.Optional;

/**
 * An upstream (IAM, WIoTP, a vault) did not give us what we asked for. Messages name the upstream and what went
 * wrong, never a key, a token or an upstream body.
 */
public abstract sealed class UpstreamException extends BrokerException
        permits UpstreamRejectedException, UpstreamUnavailableException {

    private final Upstream upstream;
    private final String upstreamErrorCode;

    protected UpstreamException(
            ProblemType type, Upstream upstream, String message, String upstreamErrorCode, Throwable cause) {
        super(type, message, cause);
        this.upstream = upstream;
        this.upstreamErrorCode = upstreamErrorCode;
    }

    /** Which upstream failed. */
    public Upstream upstream() {
        return upstream;
    }

    /** The upstream's own error code, e.g. IAM's {@code BXNIM0415E}, when it sent one. */
    public Optional<String> upstreamErrorCode() {
        return Optional.ofNullable(upstreamErrorCode);
    }

    @Override
    public Map<String, Object> members() {
        return upstreamErrorCode == null ? Map.of() : Map.of("upstream_error_code", upstreamErrorCode);
    }
}
