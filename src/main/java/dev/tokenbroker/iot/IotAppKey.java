package dev.tokenbroker.iot;

import dev.tokenbroker.support.Expiring;
import dev.tokenbroker.support.Secret;
import java.time.Instant;
import java.util.List;

/**
 * A short-lived WIoTP application key minted by the broker. Immutable; {@link #toString()} shows the organisation,
 * credential, roles and expiry, never the key's token (nor its id, which is half of the MQTT login).
 */
public final class IotAppKey implements Expiring {

    private final String credential;
    private final String org;
    private final String key;
    private final Secret token;
    private final List<String> roles;
    private final Instant issuedAt;
    private final Instant expiresAt;

    public IotAppKey(
            String credential,
            String org,
            String key,
            Secret token,
            List<String> roles,
            Instant issuedAt,
            Instant expiresAt) {
        this.credential = credential;
        this.org = org;
        this.key = key;
        this.token = token;
        this.roles = List.copyOf(roles);
        this.issuedAt = issuedAt;
        this.expiresAt = expiresAt;
    }

    /** The broker credential it was minted from. */
    public String credential() {
        return credential;
    }

    /** The WIoTP organisation id. */
    public String org() {
        return org;
    }

    /** The API key id, {@code a-{org}-…}; the MQTT user name. */
    public String key() {
        return key;
    }

    /** The auth token; shown by the platform only once. */
    public Secret token() {
        return token;
    }

    /** The roles it was minted with, sorted. */
    public List<String> roles() {
        return roles;
    }

    @Override
    public Instant issuedAt() {
        return issuedAt;
    }

    /** The {@code expiresAt} sent to the platform; the broker revokes the key itself by then at the latest. */
    @Override
    public Instant expiresAt() {
        return expiresAt;
    }

    @Override
    public String toString() {
        return "IotAppKey[credential=" + credential + ", org=" + org + ", roles=" + roles + ", expiresAt=" + expiresAt
                + "]";
    }
}
