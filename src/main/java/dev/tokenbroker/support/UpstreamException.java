package dev.tokenbroker.support;

import java.util.Optional;

/**
 * An upstream (IAM, WIoTP, a vault) did not give us what we asked for. Messages name the upstream and what went
 * wrong, never a key, a token or an upstream body.
 */
public abstract sealed class UpstreamException extends RuntimeException
        permits UpstreamRejectedException, UpstreamUnavailableException {

    private final Upstream upstream;
    private final String upstreamErrorCode;

    protected UpstreamException(Upstream upstream, String message, String upstreamErrorCode, Throwable cause) {
        super(message, cause, false, cause != null);
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
}
