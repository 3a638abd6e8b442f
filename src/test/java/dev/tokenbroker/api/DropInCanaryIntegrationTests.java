package dev.tokenbroker.api;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_PROD_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestJwts;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

/**
 * The drop-in endpoints take keys and tokens in form bodies: none of them, nor a minted token, may show in any log
 * line, even at DEBUG, nor in any error body.
 */
@ExtendWith(OutputCaptureExtension.class)
class DropInCanaryIntegrationTests extends BrokerIntegrationTest {

    private static final String WRONG_CLIENT_KEY = "tbk_CLIENTCANARY0wrongfacade0000000000000000";
    private static final String IBM_KEY = IbmJavaSdkIntegrationTests.REAL_LOOKING_IBM_KEY;

    @Autowired
    private LoggingSystem logging;

    @AfterEach
    void quietAgain() {
        logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.INFO);
    }

    @Test
    void formBodiesNeverAppearInLogsOrErrorBodiesEvenAtDebug(CapturedOutput output) {
        logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.DEBUG);
        String apikeyGrant = "grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=";
        String exchange = "grant_type=urn:ietf:params:oauth:grant-type:token-exchange&audience=wml-prod"
                + "&subject_token_type=urn:ietf:params:oauth:token-type:";
        String workloadJwt = TestJwts.serviceAccount("ml", "scorer").sign();
        String untrustedJwt = TestJwts.serviceAccount("ml", "scorer")
                .signedWith(TestJwts.UNPUBLISHED)
                .sign();
        List<String> errorBodies = new ArrayList<>();

        String facadeToken = accessToken(post("/iam/wml-prod/identity/token", apikeyGrant + SCORER_KEY));
        String exchangedToken =
                accessToken(post("/oauth2/token", exchange + "access_token&subject_token=" + SCORER_KEY));
        String crTokenGrant = "grant_type=urn:ibm:params:oauth:grant-type:cr-token&profile_name=wml-prod&cr_token=";
        accessToken(post("/iam/wml-prod/identity/token", crTokenGrant + workloadJwt));
        accessToken(post("/oauth2/token", exchange + "jwt&subject_token=" + workloadJwt));
        errorBodies.add(error(post("/iam/wml-prod/identity/token", crTokenGrant + untrustedJwt)));
        errorBodies.add(error(post("/oauth2/token", exchange + "jwt&subject_token=" + untrustedJwt)));
        errorBodies.add(error(post("/iam/wml-prod/identity/token", apikeyGrant + WRONG_CLIENT_KEY)));
        errorBodies.add(error(post("/iam/wml-prod/identity/token", apikeyGrant + IBM_KEY)));
        errorBodies.add(error(post("/iam/wml-prod/identity/token", apikeyGrant + IBM_KEY + "&" + IBM_KEY + "=1")));
        errorBodies.add(error(post("/iam/wml-prod/identity/token", "grant_type=" + IBM_KEY + "&apikey=" + SCORER_KEY)));
        errorBodies.add(error(post(
                "/iam/wml-prod/identity/token",
                "grant_type=urn:ibm:params:oauth:grant-type:cr-token&cr_token=" + IBM_KEY)));
        errorBodies.add(error(post("/oauth2/token", exchange + "jwt&subject_token=" + IBM_KEY)));
        errorBodies.add(error(post("/oauth2/token", exchange + "access_token&subject_token=" + WRONG_CLIENT_KEY)));
        errorBodies.add(error(post("/oauth2/token", exchange + IBM_KEY + "&subject_token=" + SCORER_KEY)));

        List<String> canaries = List.of(
                SCORER_KEY,
                WRONG_CLIENT_KEY,
                IBM_KEY,
                WML_PROD_KEY,
                facadeToken,
                exchangedToken,
                workloadJwt,
                untrustedJwt,
                signatureOf(workloadJwt));
        assertThat(IAM.keyThatMinted(facadeToken)).isEqualTo(WML_PROD_KEY);
        assertThat(exchangedToken).isEqualTo(facadeToken);
        assertThat(errorBodies).hasSize(10).allSatisfy(body -> assertThat(body).doesNotContain(canaries));
        assertThat(output.getAll()).contains("AUDIT", "DEBUG").doesNotContain(canaries);
    }

    // Raw bytes both ways: the test client's own codecs would log content at DEBUG too.
    private EntityExchangeResult<byte[]> post(String path, String form) {
        return client.post()
                .uri(path)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue(encodeValues(form).getBytes(StandardCharsets.UTF_8))
                .exchange()
                .expectBody()
                .returnResult();
    }

    private static String encodeValues(String form) {
        StringBuilder encoded = new StringBuilder();
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            encoded.append(encoded.isEmpty() ? "" : "&")
                    .append(pair, 0, eq + 1)
                    .append(URLEncoder.encode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return encoded.toString();
    }

    private static String accessToken(EntityExchangeResult<byte[]> result) {
        assertThat(result.getStatus().value()).isEqualTo(200);
        return new String(result.getResponseBodyContent(), StandardCharsets.UTF_8)
                .replaceFirst("^.*\"access_token\":\"([^\"]+)\".*$", "$1");
    }

    private static String signatureOf(String jwt) {
        return jwt.substring(jwt.lastIndexOf('.') + 1);
    }

    private static String error(EntityExchangeResult<byte[]> result) {
        assertThat(result.getStatus().value()).isBetween(400, 599);
        return new String(result.getResponseBodyContent(), StandardCharsets.UTF_8);
    }
}
