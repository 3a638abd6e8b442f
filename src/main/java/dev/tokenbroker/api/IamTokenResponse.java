package dev.tokenbroker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.tokenbroker.iam.IamToken;
import java.time.Instant;

/**
 * Body of a served IAM token: {@code access_token}, {@code token_type}, {@code expires_in} (seconds left now),
 * {@code expiration} (epoch seconds), {@code credential}. Not a record, so that {@link #toString()} prints no token.
 * Public because {@code json} file sinks write this very body (DESIGN §6).
 */
@JsonPropertyOrder({"access_token", "token_type", "expires_in", "expiration", "credential"})
public final class IamTokenResponse {

    private final IamToken token;
    private final String credential;
    private final Instant now;

    /**
     * @param token what to serve
     * @param credential the credential's name
     * @param now the time {@code expires_in} counts from
     */
    public IamTokenResponse(IamToken token, String credential, Instant now) {
        this.token = token;
        this.credential = credential;
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

    @JsonProperty("expiration")
    public long expiration() {
        return token.expiresAt().getEpochSecond();
    }

    @JsonProperty("credential")
    public String credential() {
        return credential;
    }

    @Override
    public String toString() {
        return "IamTokenResponse[credential=" + credential + ", token=redacted]";
    }
}
