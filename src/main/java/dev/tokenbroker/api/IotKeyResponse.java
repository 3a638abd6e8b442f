package dev.tokenbroker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.tokenbroker.iot.IotAppKey;
import java.util.List;

/**
 * Body of a served WIoTP key, shaped so that it can be spread into an {@code ibmiotf} / WIoTP SDK application
 * config: {@code org}, {@code auth-key}, {@code auth-token}, {@code expires_at}, {@code roles}, {@code credential} and
 * {@code mqtt} ({@code host}, {@code port}, {@code username}, {@code password}). Not a record, so that
 * {@link #toString()} prints no token.
 */
@JsonPropertyOrder({"org", "auth-key", "auth-token", "expires_at", "roles", "credential", "mqtt"})
final class IotKeyResponse {

    private final IotAppKey key;
    private final Mqtt mqtt;

    IotKeyResponse(IotAppKey key, String mqttHost, int mqttPort) {
        this.key = key;
        this.mqtt = new Mqtt(key, mqttHost, mqttPort);
    }

    @JsonProperty("org")
    public String org() {
        return key.org();
    }

    @JsonProperty("auth-key")
    public String authKey() {
        return key.key();
    }

    @JsonProperty("auth-token")
    public String authToken() {
        return key.token().reveal();
    }

    @JsonProperty("expires_at")
    public String expiresAt() {
        return key.expiresAt().toString();
    }

    @JsonProperty("roles")
    public List<String> roles() {
        return key.roles();
    }

    @JsonProperty("credential")
    public String credential() {
        return key.credential();
    }

    @JsonProperty("mqtt")
    public Mqtt mqtt() {
        return mqtt;
    }

    @Override
    public String toString() {
        return "IotKeyResponse[credential=" + key.credential() + ", org=" + key.org() + ", roles=" + key.roles()
                + ", expiresAt=" + key.expiresAt() + ", token=redacted]";
    }

    /** Where and how to connect over MQTT: user name = API key, password = auth token. */
    @JsonPropertyOrder({"host", "port", "username", "password"})
    static final class Mqtt {

        private final IotAppKey key;
        private final String host;
        private final int port;

        Mqtt(IotAppKey key, String host, int port) {
            this.key = key;
            this.host = host;
            this.port = port;
        }

        @JsonProperty("host")
        public String host() {
            return host;
        }

        @JsonProperty("port")
        public int port() {
            return port;
        }

        @JsonProperty("username")
        public String username() {
            return key.key();
        }

        @JsonProperty("password")
        public String password() {
            return key.token().reveal();
        }

        @Override
        public String toString() {
            return "Mqtt[host=" + host + ", port=" + port + ", password=redacted]";
        }
    }
}
