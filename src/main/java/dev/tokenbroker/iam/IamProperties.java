package dev.tokenbroker.iam;

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
 */
@ConfigurationProperties("tokenbroker.iam")
public record IamProperties(
        @DefaultValue("https://iam.cloud.ibm.com") URI url,
        @NestedConfigurationProperty UpstreamSettings http) {

    public IamProperties {
        http = http == null ? UpstreamSettings.defaults() : http;
    }
}
