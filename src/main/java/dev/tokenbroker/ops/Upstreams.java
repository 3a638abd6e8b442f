package dev.tokenbroker.ops;

import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.problem.UpstreamException;
import dev.tokenbroker.problem.UpstreamRejectedException;
import dev.tokenbroker.problem.UpstreamUnavailableException;
import dev.tokenbroker.support.Upstream;
import dev.tokenbroker.support.UpstreamCalls;

// Names the upstream behind a cache kind and describes failures without a secret (no upstream body, no message that
// might quote input): the upstream, the HTTP status and IAM's error code at most.
final class Upstreams {

    private Upstreams() {}

    static String of(String kind) {
        return switch (kind) {
            case "iam-token", CredentialIssuer.MASTER_TOKENS -> Upstream.IAM.tag();
            case "iot-key" -> Upstream.WIOTP.tag();
            default -> kind;
        };
    }

    static String of(String kind, Throwable failure) {
        return failure instanceof UpstreamException upstream && upstream.upstream() != null
                ? upstream.upstream().tag()
                : of(kind);
    }

    /** {@code success}, {@code rejected}, {@code unavailable} or {@code error}. */
    static String outcome(Throwable failure) {
        if (failure == null) {
            return "success";
        }
        if (failure instanceof UpstreamRejectedException) {
            return "rejected";
        }
        return failure instanceof UpstreamUnavailableException ? "unavailable" : "error";
    }

    static String errorCode(Throwable failure) {
        return failure instanceof UpstreamRejectedException rejected
                ? rejected.upstreamErrorCode().orElse(null)
                : null;
    }

    static String describe(Throwable failure) {
        return UpstreamCalls.describe(failure);
    }

    /**
     * Like {@link #describe}, with how an unavailable upstream failed ({@code iam is unreachable}, {@code iam answered
     * 503}): those messages are the broker's own wording, never an upstream body or input.
     */
    static String explain(Throwable failure) {
        return failure instanceof UpstreamUnavailableException unavailable && unavailable.getMessage() != null
                ? unavailable.getMessage()
                : describe(failure);
    }
}
