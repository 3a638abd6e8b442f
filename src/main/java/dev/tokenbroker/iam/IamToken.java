package dev.tokenbroker.iam;

import dev.tokenbroker.support.Expiring;
import dev.tokenbroker.support.Secret;
import java.time.Instant;

/**
 * An IAM access token. Immutable; {@link #toString()} shows its expiry, never the token. IAM's refresh token is not
 * kept: the broker mints anew from the API key.
 */
public final class IamToken implements Expiring {

    private final Secret accessToken;
    private final String tokenType;
    private final Instant issuedAt;
    private final Instant expiresAt;
    private final String scope;

    public IamToken(Secret accessToken, String tokenType, Instant issuedAt, Instant expiresAt, String scope) {
        this.accessToken = accessToken;
        this.tokenType = tokenType;
        this.issuedAt = issuedAt;
        this.expiresAt = expiresAt;
        this.scope = scope;
    }

    public Secret accessToken() {
        return accessToken;
    }

    /** Always {@code Bearer} for IAM. */
    public String tokenType() {
        return tokenType;
    }

    @Override
    public Instant issuedAt() {
        return issuedAt;
    }

    @Override
    public Instant expiresAt() {
        return expiresAt;
    }

    /** IAM's {@code scope}, if it sent one. */
    public String scope() {
        return scope;
    }

    @Override
    public String toString() {
        return "IamToken[tokenType=" + tokenType + ", expiresAt=" + expiresAt + "]";
    }
}
