package dev.tokenbroker.caller;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sidecar mode is on in the test configuration ({@code tokenbroker.sidecar.loopback-caller: sidecar:app}). */
class LoopbackCallerIntegrationTests extends BrokerIntegrationTest {

    @Test
    void iamTokenWhenLoopbackRequestCarriesTheHeaderThenServedAsTheLoopbackCaller() {
        client.post()
                .uri("/v1/credentials/wml-dev/iam-token")
                .header("X-Token-Broker-Request", "true")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.credential")
                .isEqualTo("wml-dev");

        assertThat(IAM.tokenCalls()).isEqualTo(1);
    }

    @Test
    void listWhenLoopbackCallerThenSeesItsOwnPolicy() {
        client.get()
                .uri("/v1/credentials")
                .header("X-Token-Broker-Request", "true")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$[*].name")
                .isEqualTo(List.of("wml-dev"));
    }

    @Test
    void iamTokenWhenLoopbackRequestLacksTheHeaderThen401() {
        client.post()
                .uri("/v1/credentials/wml-dev/iam-token")
                .exchange()
                .expectStatus()
                .isUnauthorized()
                .expectHeader()
                .contentType("application/problem+json");

        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void iamTokenWhenHeaderIsNotTrueThen401() {
        client.post()
                .uri("/v1/credentials/wml-dev/iam-token")
                .header("X-Token-Broker-Request", "1")
                .exchange()
                .expectStatus()
                .isUnauthorized();

        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void iamTokenWhenLoopbackRequestAlsoCarriesABadBearerThen401NotTheLoopbackCaller() {
        client.post()
                .uri("/v1/credentials/wml-dev/iam-token")
                .header("X-Token-Broker-Request", "true")
                .headers(headers -> headers.setBearerAuth("tbk_not-a-known-key"))
                .exchange()
                .expectStatus()
                .isUnauthorized();

        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void iamTokenWhenLoopbackRequestWasForwardedByAProxyThen401() {
        client.post()
                .uri("/v1/credentials/wml-dev/iam-token")
                .header("X-Token-Broker-Request", "true")
                .header("X-Forwarded-For", "10.1.2.3")
                .exchange()
                .expectStatus()
                .isUnauthorized();

        assertThat(IAM.tokenCalls()).isZero();
    }
}
