package dev.tokenbroker.api;

import static dev.tokenbroker.testing.TestBroker.GATEWAY_KEY;
import static dev.tokenbroker.testing.TestBroker.IOT;
import static org.assertj.core.api.Assertions.assertThat;

import com.ibm.wiotp.sdk.app.config.ApplicationConfig;
import com.ibm.wiotp.sdk.app.config.ApplicationConfigAuth;
import com.ibm.wiotp.sdk.app.config.ApplicationConfigIdentity;
import com.ibm.wiotp.sdk.app.config.ApplicationConfigOptions;
import dev.tokenbroker.testing.BrokerIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The iot-key response configures IBM's WIoTP Java SDK as it is: the SDK derives org, client id and MQTT URI. */
class IotKeyApplicationConfigIntegrationTests extends BrokerIntegrationTest {

    @Test
    void iotKeyResponseWhenGivenToTheWiotpSdkThenItsApplicationConfigConnectsWhereTheResponseSays() {
        Map<String, Object> body = client.post()
                .uri("/v1/credentials/factory-iot/iot-key")
                .headers(headers -> headers.setBearerAuth(GATEWAY_KEY))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(IotKeyIntegrationTests.JSON)
                .returnResult()
                .getResponseBody();
        @SuppressWarnings("unchecked")
        Map<String, Object> mqtt = (Map<String, Object>) body.get("mqtt");
        ApplicationConfigOptions options = new ApplicationConfigOptions();
        options.mqtt.port = (Integer) mqtt.get("port");

        ApplicationConfig config = new ApplicationConfig(
                new ApplicationConfigIdentity("line-3-gateway"),
                new ApplicationConfigAuth((String) body.get("auth-key"), (String) body.get("auth-token")),
                options);

        assertThat(config.getOrgId()).isEqualTo(body.get("org")).isEqualTo("abc123");
        assertThat(config.getClientId()).isEqualTo("a:abc123:line-3-gateway");
        assertThat(config.getMqttUsername())
                .isEqualTo(mqtt.get("username"))
                .isEqualTo(IOT.created().get(0).key());
        assertThat(config.getMqttPassword())
                .isEqualTo(mqtt.get("password"))
                .isEqualTo(IOT.tokenOf(IOT.created().get(0).key()));
        assertThat(config.getMqttServerURI())
                .isEqualTo("ssl://" + mqtt.get("host") + ":" + mqtt.get("port"))
                .isEqualTo("ssl://abc123.messaging.internetofthings.ibmcloud.com:8883");
    }
}
