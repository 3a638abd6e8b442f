package dev.tokenbroker.iam;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

class BadMasterKeyIntegrationTests extends BrokerIntegrationTest {

    @Test
    void iamTokenWhenIamDoesNotKnowTheKeyThen502WithIamErrorCodeAndNoRetryFor30Seconds() {
        for (int i = 0; i < 5; i++) {
            rejected();
        }
        int callsWithin30s = IAM.tokenCalls();
        CLOCK.advance(Duration.ofSeconds(31));
        rejected();

        assertThat(callsWithin30s).isEqualTo(1);
        assertThat(IAM.tokenCalls()).isEqualTo(2);
    }

    @Test
    void iamTokenWhenIamAnswersUnknownShapeThen502WithoutCode() {
        IAM.enqueue(200, java.util.Map.of("Content-Type", "text/html"), "<html>maintenance</html>");

        iamToken(SCORER_KEY, "wml-prod")
                .exchange()
                .expectStatus()
                .isEqualTo(502)
                .expectBody()
                .jsonPath("$.upstream_error_code")
                .doesNotExist()
                .jsonPath("$.type")
                .isEqualTo("https://token-broker.dev/problems/upstream-rejected");
    }

    private void rejected() {
        iamToken(SCORER_KEY, "wml-badkey")
                .exchange()
                .expectStatus()
                .isEqualTo(502)
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.upstream_error_code")
                .isEqualTo("BXNIM0415E")
                .jsonPath("$.credential")
                .isEqualTo("wml-badkey")
                .jsonPath("$.status")
                .isEqualTo(502);
    }
}
