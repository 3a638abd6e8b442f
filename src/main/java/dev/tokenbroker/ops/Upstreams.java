package dev.tokenbroker.ops;

import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.support.Upstream;
import dev.tokenbroker.support.UpstreamCalls;
import dev.tokenbroker.support.UpstreamException;
import dev.tokenbroker.support.UpstreamRejectedException;
import dev.tokenbroker.support.UpstreamUnavailableException;

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
}
