package dev.tokenbroker.vault;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_DEV_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestBroker;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.ParameterizedTypeReference;
import reactor.core.Disposable;

/**
 * Version awareness of the {@code file} store through the whole broker: when kubelet swaps a secret file, tokens
 * minted with the old key are dropped and never served again once the change is noticed.
 */
class FileVaultRotationIntegrationTests extends BrokerIntegrationTest {

    private static final String ROTATED_KEY = "MASTERCANARY0wmldev0file0rotated";
    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {};

    @Autowired
    SecretRepository secrets;

    @Test
    void iamTokenWhenSecretFileChangesThenOnlyTokensFromTheNewKeyServeOnceNoticed() {
        String before = accessToken();
        IAM.addKey(ROTATED_KEY);
        AtomicLong noticed = new AtomicLong(Long.MAX_VALUE);
        Disposable watch = secrets.changes()
                .filter(secret -> secret.name().equals("wml-dev"))
                .subscribe(secret -> noticed.compareAndSet(Long.MAX_VALUE, System.nanoTime()));
        try {
            TestBroker.writeSecret("wml-dev", "apikey", ROTATED_KEY);
            await().atMost(Duration.ofSeconds(10)).until(() -> noticed.get() != Long.MAX_VALUE);

            for (int i = 0; i < 20; i++) {
                assertThat(IAM.keyThatMinted(accessToken())).isEqualTo(ROTATED_KEY);
            }
            assertThat(IAM.keyThatMinted(before)).isEqualTo(WML_DEV_KEY);
        } finally {
            watch.dispose();
            TestBroker.writeSecret("wml-dev", "apikey", WML_DEV_KEY);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> secrets.read("wml-dev")
                            .block()
                            .require("apikey")
                            .reveal()
                            .equals(WML_DEV_KEY));
        }
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
