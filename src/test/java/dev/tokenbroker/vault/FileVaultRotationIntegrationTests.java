package dev.tokenbroker.vault;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_DEV_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.cache.RotationListener;
import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestBroker;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.ParameterizedTypeReference;

/**
 * Version awareness of the {@code file} store through the whole broker: when kubelet swaps a secret file, the new key
 * is proven by one mint (make before break, DESIGN §4), and from then on tokens minted with the old key are dropped and
 * never served again.
 */
class FileVaultRotationIntegrationTests extends BrokerIntegrationTest {

    private static final String ROTATED_KEY = "MASTERCANARY0wmldev0file0rotated";
    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {};

    @Autowired
    SecretRepository secrets;

    @Autowired
    CredentialIssuer issuer;

    @Test
    void iamTokenWhenSecretFileChangesThenOnlyTokensFromTheNewKeyServeOnceProven() {
        String before = accessToken();
        IAM.addKey(ROTATED_KEY);
        // Noticing the change is not enough: until the new key has minted once, the old one keeps serving (a request
        // in that moment rightly gets an old-key token). The listener is told after the old tokens are dropped.
        AtomicReference<String> proven = new AtomicReference<>();
        issuer.addRotationListener(new RotationListener() {
            @Override
            public void rotated(String secret, String version) {
                if (secret.equals("wml-dev")) {
                    proven.set(version);
                }
            }
        });
        try {
            rotateTo(ROTATED_KEY, proven);

            for (int i = 0; i < 20; i++) {
                assertThat(IAM.keyThatMinted(accessToken())).isEqualTo(ROTATED_KEY);
            }
            assertThat(IAM.keyThatMinted(before)).isEqualTo(WML_DEV_KEY);
        } finally {
            // The original key back in service, so that the tests after this one see it serving.
            rotateTo(WML_DEV_KEY, proven);
        }
    }

    // Writes the key and waits until the broker has read it and proven it: the version it reported as rotated to is
    // the one of the file's content now.
    private void rotateTo(String apikey, AtomicReference<String> proven) {
        TestBroker.writeSecret("wml-dev", "apikey", apikey);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            StoredSecret known = secrets.known("wml-dev");
            return known.require("apikey").reveal().equals(apikey)
                    && known.version().equals(proven.get());
        });
    }

    private String accessToken() {
        Map<String, Object> body = iamToken(SCORER_KEY, "wml-dev")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody();
        return (String) body.get("access_token");
    }
}
