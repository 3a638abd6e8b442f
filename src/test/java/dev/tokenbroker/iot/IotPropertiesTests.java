package dev.tokenbroker.iot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.support.UpstreamSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class IotPropertiesTests {

    @Test
    void apiForWhenDefaultUrlThenSubstitutesTheOrganisation() {
        IotProperties properties = properties("token-broker");

        assertThat(properties.apiFor("abc123")).isEqualTo("https://abc123.internetofthings.ibmcloud.com/api/v0002");
        assertThat(properties.mqttHostFor("abc123")).isEqualTo("abc123.messaging.internetofthings.ibmcloud.com");
    }

    private static IotProperties properties(String tag) {
        return new IotProperties(
                "https://{org}.internetofthings.ibmcloud.com/api/v0002/",
                UpstreamSettings.defaults(),
                tag,
                Duration.ofMinutes(15),
                Duration.ofSeconds(1),
                Duration.ofMinutes(5),
                "{org}.messaging.internetofthings.ibmcloud.com",
                8883);
    }
}
