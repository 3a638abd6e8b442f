package dev.tokenbroker.iam;

import dev.tokenbroker.support.CheckedProperties;
import dev.tokenbroker.support.UpstreamSettings;
import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * IBM Cloud IAM ({@code tokenbroker.iam.*}).
 *
 * @param url IAM's base URL; tokens are requested from {@code {url}/identity/token}
 * @param http timeouts and retries ({@code tokenbroker.iam.http.*})
 * @param maxCallsPerSecond the most token calls per second this broker makes to IAM, retries included: the whole
 *     cluster's with the shared tier on (one budget in Redis), each replica's otherwise or while Redis is away. A
 *     token bucket that holds one second of calls, so after a quiet spell up to this many go at once: any one second
 *     sees at most twice this many. A caller waits for its turn in order of arrival, up to {@code http.max-retry-after};
 *     a turn further off is a 503 with {@code Retry-After}. {@code 0}: no cap
 */
@ConfigurationProperties("tokenbroker.iam")
public record IamProperties(
        @DefaultValue("https://iam.cloud.ibm.com") URI url,
        @NestedConfigurationProperty UpstreamSettings http,
        @DefaultValue("10") int maxCallsPerSecond)
        implements CheckedProperties {

    public IamProperties {
        http = http == null ? UpstreamSettings.defaults() : http;
    }

    @Override
    public void check(Checks checks) {
        checks.notNegative("maxCallsPerSecond", maxCallsPerSecond);
    }
}
