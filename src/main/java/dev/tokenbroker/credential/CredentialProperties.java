package dev.tokenbroker.credential;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The credentials the broker serves ({@code tokenbroker.credentials.{name}.*}).
 *
 * @param credentials by name
 */
@ConfigurationProperties("tokenbroker")
public record CredentialProperties(Map<String, Definition> credentials) {

    public CredentialProperties {
        credentials = credentials == null ? Map.of() : Map.copyOf(credentials);
    }

    /**
     * One credential.
     *
     * @param type {@code iam-apikey} or {@code iot-app}
     * @param secret the vault secret; defaults to the credential's name
     * @param org the WIoTP organisation id ({@code iot-app})
     * @param ttl how long minted WIoTP keys live ({@code iot-app}; default 1h)
     */
    public record Definition(
            String type,
            String secret,
            String org,
            @DefaultValue("1h") Duration ttl) {}
}
