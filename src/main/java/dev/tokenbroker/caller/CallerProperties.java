package dev.tokenbroker.caller;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Who may call ({@code tokenbroker.callers.*}).
 *
 * @param clientKeys client id to the {@code sha256:HEX} hash of its key; the caller id is {@code client:{id}}
 */
@ConfigurationProperties("tokenbroker.callers")
public record CallerProperties(Map<String, String> clientKeys) {

    public CallerProperties {
        clientKeys = clientKeys == null ? Map.of() : Map.copyOf(clientKeys);
    }
}
