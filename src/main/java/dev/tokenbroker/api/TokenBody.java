package dev.tokenbroker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tokenbroker.iam.IamToken;
import java.time.Instant;

/**
 * What every answer carrying an IAM token shares: {@code access_token}, {@code token_type} and {@code expires_in}
 * (seconds left at {@code now}). Subclasses add their own shape's fields. Not a record, so that {@link #toString()}
 * prints no token.
 */
abstract class TokenBody {

    protected final IamToken token;
    protected final Instant now;

    TokenBody(IamToken token, Instant now) {
        this.token = token;
        this.now = now;
    }

    @JsonProperty("access_token")
    public String accessToken() {
        return token.accessToken().reveal();
    }

    @JsonProperty("token_type")
    public String tokenType() {
        return token.tokenType();
    }

    @JsonProperty("expires_in")
    public long expiresIn() {
        return Math.max(0, token.remaining(now).toSeconds());
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[token=redacted]";
    }
}
