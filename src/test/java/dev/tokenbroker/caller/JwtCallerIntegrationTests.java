package dev.tokenbroker.caller;

import static dev.tokenbroker.testing.TestBroker.CLUSTER_JWKS;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.OUTAGE_JWKS;
import static dev.tokenbroker.testing.TestBroker.ROTATING_JWKS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.sim.JwksSimulator;
import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestBroker;
import dev.tokenbroker.testing.TestJwts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;

@ExtendWith(OutputCaptureExtension.class)
class JwtCallerIntegrationTests extends BrokerIntegrationTest {

    private static final JwksSimulator ATTACKER_JWKS = JwksSimulator.start(TestJwts.UNPUBLISHED);

    @AfterEach
    void endpointBackUp() {
        OUTAGE_JWKS.restart();
    }

    @Test
    void iamTokenWhenKubernetesServiceAccountTokenThenServesToken() {
        String jwt = TestJwts.serviceAccount("ml", "scorer").sign();

        iamToken(jwt, "wml-prod")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.credential")
                .isEqualTo("wml-prod")
                .jsonPath("$.token_type")
                .isEqualTo("Bearer");

        assertThat(IAM.tokenCalls()).isEqualTo(1);
    }

    @Test
    void iamTokenWhenSameServiceAccountFromTwoIssuersThenTwoCallersEachWithItsOwnPolicyAndAuditLine(
            CapturedOutput output) {
        String fromCluster = TestJwts.serviceAccount("reports", "viewer").sign();
        String fromRotating = TestJwts.serviceAccount("reports", "viewer")
                .issuer(TestJwts.ROTATING_ISSUER)
                .signedWith(TestJwts.ROTATING_OLD)
                .sign();

        iamToken(fromCluster, "wml-dev").exchange().expectStatus().isOk();
        iamToken(fromRotating, "wml-dev").exchange().expectStatus().isForbidden();

        assertThat(output.getAll())
                .contains("\"caller\":\"cluster/system:serviceaccount:reports:viewer\",\"credential\":\"wml-dev\","
                        + "\"grant\":\"iam-token\",\"outcome\":\"issued\"")
                .contains("\"caller\":\"rotating/system:serviceaccount:reports:viewer\",\"credential\":\"wml-dev\","
                        + "\"grant\":\"iam-token\",\"outcome\":\"refused\",\"status\":403");
    }

    @Test
    void iamTokenWhenEs256TokenThenServesToken() {
        String jwt = TestJwts.serviceAccount("ml", "trainer")
                .signedWith(TestJwts.CLUSTER_EC)
                .sign();

        iamToken(jwt, "wml-prod").exchange().expectStatus().isOk();
    }

    @Test
    void iamTokenWhenServiceAccountOutsideTheGlobThenForbidden() {
        String otherNamespace = TestJwts.serviceAccount("factory", "scorer").sign();

        iamToken(otherNamespace, "wml-prod").exchange().expectStatus().isForbidden();
        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void listWhenJwtCallerMatchesNamespaceGlobThenShowsItsCredentials() {
        String jwt = TestJwts.serviceAccount("ml", "any-service-account").sign();

        client.get()
                .uri("/v1/credentials")
                .headers(headers -> headers.setBearerAuth(jwt))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$[*].name")
                .isEqualTo(List.of("wml-prod"));
    }

    static List<Arguments> forgeries() {
        Instant now = TestBroker.CLOCK.instant();
        String valid = TestJwts.serviceAccount("ml", "scorer").sign();
        return List.of(
                Arguments.of(
                        "expired",
                        TestJwts.serviceAccount("ml", "scorer")
                                .issued(Duration.ofHours(2), Duration.ofHours(1))
                                .sign()),
                Arguments.of(
                        "not yet valid",
                        TestJwts.serviceAccount("ml", "scorer")
                                .notBefore(now.plus(Duration.ofMinutes(5)))
                                .sign()),
                Arguments.of(
                        "wrong audience",
                        TestJwts.serviceAccount("ml", "scorer")
                                .audience("https://kubernetes.default.svc")
                                .sign()),
                Arguments.of(
                        "wrong issuer",
                        TestJwts.serviceAccount("ml", "scorer")
                                .issuer("https://evil.example")
                                .sign()),
                Arguments.of(
                        "issuer of another configured issuer's key",
                        TestJwts.serviceAccount("ml", "scorer")
                                .issuer(TestJwts.OUTAGE_ISSUER)
                                .sign()),
                Arguments.of("alg none", TestJwts.unsigned(TestJwts.serviceAccount("ml", "scorer"))),
                Arguments.of(
                        "HS256 with the public key's bytes",
                        TestJwts.hs256WithPublicKey(TestJwts.serviceAccount("ml", "scorer"))),
                Arguments.of("tampered payload", TestJwts.tampered(valid)),
                Arguments.of("garbage", "garbage"),
                Arguments.of("garbage with dots", "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"),
                Arguments.of("64 KiB", "a".repeat(64 * 1024)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgeries")
    void iamTokenWhenJwtIsNotAcceptableThen401AndNoToken(String what, String jwt) {
        iamToken(jwt, "wml-prod")
                .exchange()
                .expectStatus()
                .isUnauthorized()
                .expectHeader()
                .contentType("application/problem+json")
                .expectHeader()
                .value("WWW-Authenticate", value -> assertThat(value).startsWith("Bearer"))
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo(401)
                .jsonPath("$.access_token")
                .doesNotExist();

        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void iamTokenWhenJkuPointsAtAnAttackersKeysThenItIsNeverFetched() {
        String forged = TestJwts.serviceAccount("ml", "scorer")
                .signedWith(TestJwts.UNPUBLISHED)
                .jku(ATTACKER_JWKS.url())
                .sign();

        iamToken(forged, "wml-prod").exchange().expectStatus().isUnauthorized();

        assertThat(ATTACKER_JWKS.fetches()).isZero();
        assertThat(IAM.tokenCalls()).isZero();
    }

    @Test
    void iamTokenWhenKidUnknownToTheJwksThen401AfterAtMostOneRefetch() {
        String forged = TestJwts.serviceAccount("ml", "scorer")
                .signedWith(TestJwts.UNPUBLISHED)
                .sign();
        iamToken(TestJwts.serviceAccount("ml", "scorer").sign(), "wml-prod")
                .exchange()
                .expectStatus()
                .isOk();
        int before = CLUSTER_JWKS.fetches();

        for (int attempt = 0; attempt < 5; attempt++) {
            iamToken(forged, "wml-prod").exchange().expectStatus().isUnauthorized();
        }

        assertThat(CLUSTER_JWKS.fetches() - before).isLessThanOrEqualTo(1);
    }

    @Test
    void iamTokenWhenIssuerRotatesToANewKidThenAcceptedAfterExactlyOneRefetch() {
        TestBroker.CLOCK.advance(Duration.ofMinutes(1));
        iamToken(rotating(TestJwts.ROTATING_OLD), "wml-prod")
                .exchange()
                .expectStatus()
                .isOk();
        int before = ROTATING_JWKS.fetches();
        ROTATING_JWKS.publish(TestJwts.ROTATING_OLD, TestJwts.ROTATING_NEW);

        List<Integer> statuses = concurrently(32, () -> rotating(TestJwts.ROTATING_NEW));

        assertThat(statuses).hasSize(32).containsOnly(200);
        assertThat(ROTATING_JWKS.fetches() - before).isEqualTo(1);
        iamToken(rotating(TestJwts.ROTATING_OLD), "wml-prod")
                .exchange()
                .expectStatus()
                .isOk();
        assertThat(ROTATING_JWKS.fetches() - before).isEqualTo(1);
    }

    @Test
    void iamTokenWhenJwksEndpointIsDownThenKnownKeysKeepWorking() {
        iamToken(outage(), "wml-prod").exchange().expectStatus().isOk();
        OUTAGE_JWKS.stop();
        TestBroker.CLOCK.advance(Duration.ofMinutes(6));

        iamToken(outage(), "wml-prod").exchange().expectStatus().isOk();
        iamToken(outage(), "wml-prod").exchange().expectStatus().isOk();
        String unknownKid = TestJwts.serviceAccount("ml", "scorer")
                .issuer(TestJwts.OUTAGE_ISSUER)
                .signedWith(TestJwts.UNPUBLISHED)
                .sign();
        iamToken(unknownKid, "wml-prod").exchange().expectStatus().isUnauthorized();
    }

    @Test
    void iamTokenWhenSameJwtAgainAfterItsExpiryThen401() {
        String jwt = TestJwts.serviceAccount("ml", "scorer")
                .issued(Duration.ZERO, Duration.ofMinutes(10))
                .sign();
        iamToken(jwt, "wml-prod").exchange().expectStatus().isOk();

        TestBroker.CLOCK.advance(Duration.ofMinutes(11));

        iamToken(jwt, "wml-prod").exchange().expectStatus().isUnauthorized();
    }

    private static String rotating(com.nimbusds.jose.jwk.RSAKey key) {
        return TestJwts.serviceAccount("ml", "scorer")
                .issuer(TestJwts.ROTATING_ISSUER)
                .signedWith(key)
                .sign();
    }

    private static String outage() {
        return TestJwts.serviceAccount("ml", "scorer")
                .issuer(TestJwts.OUTAGE_ISSUER)
                .signedWith(TestJwts.OUTAGE_KEY)
                .sign();
    }

    // Distinct tokens (each with its own jti), so that none is served from the verified-token memory.
    private List<Integer> concurrently(int requests, java.util.function.Supplier<String> tokens) {
        List<String> jwts = java.util.stream.IntStream.range(0, requests)
                .mapToObj(i -> tokens.get())
                .toList();
        WebClient web = WebClient.create("http://127.0.0.1:" + port);
        return Flux.fromIterable(jwts)
                .flatMap(
                        jwt -> web.post()
                                .uri("/v1/credentials/wml-prod/iam-token")
                                .headers(headers -> headers.setBearerAuth(jwt))
                                .exchangeToMono(response -> response.releaseBody()
                                        .thenReturn(response.statusCode().value())),
                        requests)
                .collectList()
                .block(Duration.ofSeconds(30));
    }
}
