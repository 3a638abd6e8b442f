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
public final class IamTokenResponse extends TokenBody {

    private final String credential;

    /**
     * @param token what to serve
     * @param credential the credential's name
     * @param now the time {@code expires_in} counts from
     */
    public IamTokenResponse(IamToken token, String credential, Instant now) {
        super(token, now);
        this.credential = credential;
    }

    @JsonProperty("expiration")
    public long expiration() {
        return token.expiresAt().getEpochSecond();
    }

    @JsonProperty("credential")
    public String credential() {
        return credential;
    }
}
