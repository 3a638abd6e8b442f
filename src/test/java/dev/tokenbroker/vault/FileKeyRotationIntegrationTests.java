package dev.tokenbroker.vault;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_DEV_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestBroker;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FileKeyRotationIntegrationTests extends BrokerIntegrationTest {

    private static final String ROTATED_KEY = "MASTERCANARY0wmldev0rotated";

    @AfterEach
    void restoreKey() {
        TestBroker.writeSecret("wml-dev", "apikey", WML_DEV_KEY);
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        IAM.keyThatMinted(accessToken(SCORER_KEY, "wml-dev")).equals(WML_DEV_KEY));
    }

    @Test
    void iamTokenWhenSecretFileReplacedThenNextMintUsesNewKeyAndOldTokensAreDropped() {
        IAM.addKey(ROTATED_KEY);
        String old = accessToken(SCORER_KEY, "wml-dev");

        TestBroker.writeSecret("wml-dev", "apikey", ROTATED_KEY);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !accessToken(SCORER_KEY, "wml-dev").equals(old));
        String fresh = accessToken(SCORER_KEY, "wml-dev");

        assertThat(IAM.keyThatMinted(old)).isEqualTo(WML_DEV_KEY);
        assertThat(IAM.keyThatMinted(fresh)).isEqualTo(ROTATED_KEY);
        assertThat(IAM.tokenCalls()).isEqualTo(2);
        assertThat(issuer.caches().get(0).operations().entries())
                .filteredOn(entry -> entry.credential().equals("wml-dev"))
                .hasSize(1);
        for (int i = 0; i < 20; i++) {
            assertThat(accessToken(SCORER_KEY, "wml-dev")).isEqualTo(fresh);
        }
    }
}
