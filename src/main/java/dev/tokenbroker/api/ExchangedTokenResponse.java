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
final class ExchangedTokenResponse extends TokenBody {

    ExchangedTokenResponse(IamToken token, Instant now) {
        super(token, now);
    }

    @JsonProperty("issued_token_type")
    public String issuedTokenType() {
        return TokenExchangeController.ACCESS_TOKEN_TYPE;
    }
}
