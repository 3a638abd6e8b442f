package dev.tokenbroker.iot;

import dev.tokenbroker.support.CheckedProperties;
import dev.tokenbroker.support.UpstreamSettings;
import java.time.Duration;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Watson IoT Platform ({@code tokenbroker.iot.*}).
 *
 * @param apiUrl the platform's HTTP API base; {@code {org}} is replaced by the credential's organisation id
 * @param http timeouts and retries ({@code tokenbroker.iot.http.*})
 * @param tag the first word of the {@code comment} of every key this broker mints; the sweeper deletes expired keys
 *     that carry it and never touches any other key. Letters, digits, {@code .}, {@code _} and {@code -}; give each
 *     broker deployment that shares an organisation with other tools its own tag if they must not sweep each other
 * @param sweepInterval how often the organisation's keys are listed to delete tagged keys that have expired and keys
 *     tagged by this process that it does not track (also at start-up and right after a failed create or revocation)
 * @param revocationInterval how often tracked keys are checked for having reached their {@code expiresAt}, when they
 *     are revoked; a failed revocation is retried with backoff (1 s doubling to 30 s)
 * @param revocationRetryBudget how long past its {@code expiresAt} a key may stay alive while its revocation is
 *     retried; a key still alive after that is logged at ERROR and counted as overdue (retries go on)
 * @param mqttHost the MQTT host handed to callers; {@code {org}} is replaced by the organisation id
 * @param mqttPort the MQTT port handed to callers (TLS)
 */
@ConfigurationProperties("tokenbroker.iot")
public record IotProperties(
        @DefaultValue("https://{org}.internetofthings.ibmcloud.com/api/v0002")
        String apiUrl,

        @NestedConfigurationProperty UpstreamSettings http,

        @DefaultValue("token-broker") String tag,

        @DefaultValue("15m") Duration sweepInterval,
        @DefaultValue("1s") Duration revocationInterval,
        @DefaultValue("5m") Duration revocationRetryBudget,

        @DefaultValue("{org}.messaging.internetofthings.ibmcloud.com")
        String mqttHost,

        @DefaultValue("8883") int mqttPort)
        implements CheckedProperties {

    /** What {@code {org}} is replaced with must look like this: WIoTP organisation ids are short and lower case. */
    static final Pattern ORG = Pattern.compile("[a-z0-9]{1,32}");

    /** What {@code tag} must look like: it starts a key's comment, which is split at spaces. */
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public IotProperties {
        http = http == null ? UpstreamSettings.defaults() : http;
    }

    @Override
    public void check(Checks checks) {
        checks.matches("tag", tag, TAG)
                .positive("sweepInterval", sweepInterval)
                .positive("revocationInterval", revocationInterval)
                .atLeast("revocationRetryBudget", revocationRetryBudget, Duration.ZERO);
    }

    /** The API base for an organisation, without a trailing slash. */
    public String apiFor(String org) {
        String api = apiUrl.replace("{org}", org);
        return api.endsWith("/") ? api.substring(0, api.length() - 1) : api;
    }

    /** The MQTT host for an organisation. */
    public String mqttHostFor(String org) {
        return mqttHost.replace("{org}", org);
    }
}
