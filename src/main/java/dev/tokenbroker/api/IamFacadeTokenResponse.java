package dev.tokenbroker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.tokenbroker.iam.IamToken;
import java.time.Instant;

/**
 * A token in IAM's own response shape: {@code access_token}, {@code refresh_token}, {@code token_type},
 * {@code expires_in} (seconds left now), {@code expiration} (epoch seconds), {@code scope}. The IBM SDKs require a
 * refresh token field but never use it (they mint anew with the API key); it carries the non-secret placeholder
 * {@code not_supported}. Not a record, so that {@link #toString()} prints no token.
 */
@JsonPropertyOrder({"access_token", "refresh_token", "token_type", "expires_in", "expiration", "scope"})
final class IamFacadeTokenResponse extends TokenBody {

    /** What {@code refresh_token} holds: the broker does not do IAM's refresh grant. */
    static final String NO_REFRESH_TOKEN = "not_supported";

    IamFacadeTokenResponse(IamToken token, Instant now) {
        super(token, now);
    }

    @JsonProperty("refresh_token")
    public String refreshToken() {
        return NO_REFRESH_TOKEN;
    }

    @JsonProperty("expiration")
    public long expiration() {
        return token.expiresAt().getEpochSecond();
    }

    @JsonProperty("scope")
    public String scope() {
        return token.scope() == null ? "ibm openid" : token.scope();
    }
}
