package dev.tokenbroker.api;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_PROD_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.ibm.cloud.sdk.core.security.Authenticator;
import com.ibm.cloud.sdk.core.security.ContainerAuthenticator;
import com.ibm.cloud.sdk.core.security.IamAuthenticator;
import com.ibm.cloud.sdk.core.service.exception.ServiceResponseException;
import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestJwts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * IBM's own Java SDK core ({@code com.ibm.cloud:sdk-core}) against the IAM facade, unmodified: only its {@code url}
 * points at the broker. The SDK runs its blocking OkHttp calls on the test thread and its own background threads,
 * never on the broker's event loop.
 */
@ExtendWith(OutputCaptureExtension.class)
class IbmJavaSdkIntegrationTests extends BrokerIntegrationTest {

    /** Shaped like a real IBM Cloud API key (44 characters of [A-Za-z0-9_-]); a canary. */
    static final String REAL_LOOKING_IBM_KEY = "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9f";

    private static final Pattern ISSUED = Pattern.compile("\"caller\":\"client:scorer\",\"credential\":\"wml-prod\","
            + "\"grant\":\"iam-token\",\"outcome\":\"issued\"");

    @Autowired
    private LoggingSystem logging;

    @AfterEach
    void quietAgain() {
        logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.INFO);
    }

    @Test
    void iamAuthenticatorWithClientKeyAuthenticatesRequestsWithTheBrokerServedToken() {
        IamAuthenticator sdk = authenticator(SCORER_KEY);

        String first = bearerOf(sdk);
        String second = bearerOf(sdk);

        assertThat(IAM.keyThatMinted(first)).isEqualTo(WML_PROD_KEY);
        assertThat(second).isEqualTo(first);
        assertThat(IAM.tokenCalls()).isEqualTo(1);
        assertThat(IAM.requests().get(0).form()).containsEntry("apikey", WML_PROD_KEY);
    }

    /**
     * The SDK decides when to refresh from the {@code expiration} and {@code expires_in} it was given and the system
     * clock; the broker and the IAM simulator run on the fake clock. The test puts the fake clock exactly 100 s behind
     * the system clock, so every token looks 100 s older to the SDK than to the broker. A token minted with a 120 s
     * life is then, to the SDK, past its refresh point (80% of 120 s = 96 s) yet still valid (until 10 s before its
     * end, 110 s): its next {@code authenticate} uses the token and starts the SDK's own background refresh. The broker
     * has meanwhile moved 70 s on, so that token has 50 s left, less than the 60 s it guarantees: the refresh gets a
     * newly minted one.
     */
    @Test
    void iamAuthenticatorRefreshesByItselfAcrossATokenRollover(CapturedOutput output) {
        putFakeClockBehindSystemClock(Duration.ofSeconds(100));
        IAM.tokenLifetime(Duration.ofSeconds(120));
        IamAuthenticator sdk = authenticator(SCORER_KEY);

        String first = bearerOf(sdk);
        CLOCK.advance(Duration.ofSeconds(70));
        String servedWhileRefreshing = bearerOf(sdk);
        await().atMost(Duration.ofSeconds(8)).until(() -> !bearerOf(sdk).equals(first));
        String rolledOver = bearerOf(sdk);

        assertThat(servedWhileRefreshing).isEqualTo(first);
        assertThat(rolledOver).isNotEqualTo(first);
        assertThat(IAM.keyThatMinted(first)).isEqualTo(WML_PROD_KEY);
        assertThat(IAM.keyThatMinted(rolledOver)).isEqualTo(WML_PROD_KEY);
        assertThat(IAM.tokenCalls()).isEqualTo(2);
        assertThat(issuedLines(output))
                .as("facade requests: the first fetch and one refresh")
                .isEqualTo(2);
    }

    @Test
    void iamAuthenticatorWithARealIbmApiKeyIsRefusedIamStyleNeverForwardedNorLogged(CapturedOutput output) {
        logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.DEBUG);
        IamAuthenticator sdk = authenticator(REAL_LOOKING_IBM_KEY);

        ServiceResponseException refused = catchThrowableOfType(ServiceResponseException.class, () -> bearerOf(sdk));

        assertThat(refused.getStatusCode()).isEqualTo(400);
        assertThat(refused.getMessage()).startsWith("Provided API key could not be found.");
        assertThat(refused.getResponseBody()).contains("\"errorCode\":\"BXNIM0415E\"", "\"requestId\":");
        assertThat(IAM.tokenCalls()).isZero();
        assertThat(output.getAll())
                .contains("\"outcome\":\"refused\",\"status\":400,\"reason\":\"unauthorized\"")
                .doesNotContain(REAL_LOOKING_IBM_KEY);
    }

    @Test
    void containerAuthenticatorWithWorkloadJwtFileGetsATokenThroughTheCrTokenGrant(
            @TempDir Path pod, CapturedOutput output) throws IOException {
        Path tokenFile = Files.writeString(
                pod.resolve("sa-token"), TestJwts.serviceAccount("ml", "scorer").sign() + "\n");
        ContainerAuthenticator sdk = new ContainerAuthenticator.Builder()
                .crTokenFilename(tokenFile.toString())
                .iamProfileName("wml-prod")
                .url("http://127.0.0.1:" + port + "/iam/wml-prod")
                .build();

        String token = bearerOf(sdk);

        assertThat(IAM.keyThatMinted(token)).isEqualTo(WML_PROD_KEY);
        assertThat(output.getAll())
                .contains("\"caller\":\"cluster/system:serviceaccount:ml:scorer\",\"credential\":\"wml-prod\","
                        + "\"grant\":\"iam-token\",\"outcome\":\"issued\"");
    }

    @Test
    void containerAuthenticatorWithUntrustedJwtIsRefusedIamStyle(@TempDir Path pod) throws IOException {
        Path tokenFile = Files.writeString(
                pod.resolve("sa-token"),
                TestJwts.serviceAccount("ml", "scorer")
                        .signedWith(TestJwts.UNPUBLISHED)
                        .sign());
        ContainerAuthenticator sdk = new ContainerAuthenticator.Builder()
                .crTokenFilename(tokenFile.toString())
                .iamProfileId("wml-prod")
                .url("http://127.0.0.1:" + port + "/iam/wml-prod")
                .build();

        ServiceResponseException refused = catchThrowableOfType(ServiceResponseException.class, () -> bearerOf(sdk));

        assertThat(refused.getStatusCode()).isEqualTo(400);
        assertThat(refused.getResponseBody()).contains("\"errorCode\":\"BXNIM0407E\"");
        assertThat(IAM.tokenCalls()).isZero();
    }

    private IamAuthenticator authenticator(String apikey) {
        return new IamAuthenticator.Builder()
                .url("http://127.0.0.1:" + port + "/iam/wml-prod")
                .apikey(apikey)
                .build();
    }

    private static String bearerOf(Authenticator sdk) {
        Request.Builder request = new Request.Builder().url("https://us-south.ml.cloud.ibm.com/ml/v4/deployments");
        sdk.authenticate(request);
        String authorization = request.build().header("Authorization");
        assertThat(authorization).startsWith("Bearer ");
        return authorization.substring("Bearer ".length());
    }

    private static void putFakeClockBehindSystemClock(Duration skew) {
        Duration behind = Duration.between(CLOCK.instant(), Instant.now());
        assertThat(behind).as("TestBroker.CLOCK must trail the system clock").isGreaterThan(skew);
        CLOCK.advance(behind.minus(skew));
    }

    private static int issuedLines(CapturedOutput output) {
        Matcher matcher = ISSUED.matcher(output.getAll());
        int count = 0;
        while (matcher.find()) {
            count++;
        }
        return count;
    }
}
