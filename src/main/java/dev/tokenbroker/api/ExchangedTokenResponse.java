package dev.tokenbroker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.tokenbroker.iam.IamToken;
import java.time.Instant;

/**
 * An RFC 8693 token-exchange answer: {@code access_token} (an IAM access token), {@code issued_token_type}
 * ({@code urn:ietf:params:oauth:token-type:access_token}), {@code token_type} ({@code Bearer}), {@code expires_in}
 * (seconds left now). Not a record, so that {@link #toString()} prints no token.
 */
@JsonPropertyOrder({"access_token", "issued_token_type", "token_type", "expires_in"})
final class ExchangedTokenResponse {

    private final IamToken token;
    private final Instant now;

    ExchangedTokenResponse(IamToken token, Instant now) {
        this.token = token;
        this.now = now;
    }

    @JsonProperty("access_token")
    public String accessToken() {
        return token.accessToken().reveal();
    }

    @JsonProperty("issued_token_type")
    public String issuedTokenType() {
        return TokenExchangeController.ACCESS_TOKEN_TYPE;
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
        return "ExchangedTokenResponse[token=redacted]";
    }
}
