package dev.tokenbroker;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenbroker.caller.ClientKeys;
import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.sim.IotSimulator;
import dev.tokenbroker.sim.JwksSimulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;

/**
 * The sandbox behind {@code ./mvnw spring-boot:test-run} (DESIGN §9): the real broker with everything a newcomer
 * would try, on loopback: an IAM simulator and the {@code demo} IAM credential, a WIoTP simulator and the
 * {@code demo-iot} credential, the keyless {@code demo-keyless} credential (an IAM trusted profile minted from a
 * compute-resource token projected the kubelet's way under {@code target/sandbox/tokens}, no key in the vault), a demo
 * client key and an ops client key, a JWT issuer (a JWKS simulator) with a ready-made workload token, under
 * {@code target/sandbox}. Only the upstream URLs, the issuer and the vault folder
 * differ from production. Once the broker is up it logs one {@code Try: …} line per command (each works as printed;
 * scripts/sandbox-smoke.sh runs them all) and the IBM SDK facade URL; keys are read from files, never logged.
 */
public final class TestTokenBrokerApplication {

    private static final Logger log = LoggerFactory.getLogger(TestTokenBrokerApplication.class);
    private static final String DEMO_MASTER_KEY = "sandbox-demo-apikey-not-a-real-key";
    private static final String IOT_ORG = "sandbox";
    private static final String IOT_MASTER_KEY = "a-sandbox-masterkey0001";
    private static final String IOT_MASTER_TOKEN = "sandbox-iot-token-not-a-real-one";
    private static final String ISSUER = "https://sandbox.token-broker.test";
    private static final String AUDIENCE = "token-broker";
    private static final Path SANDBOX =
            Path.of(System.getProperty("tokenbroker.sandbox", "target/sandbox")).toAbsolutePath();
    private static final String PROFILE_ID = "Profile-sandbox-demo-keyless";
    private static final String COMPUTE_RESOURCE = "sandbox/token-broker";

    private TestTokenBrokerApplication() {}

    public static void main(String[] args) throws IOException, JOSEException {
        writeSecret("demo", "apikey", DEMO_MASTER_KEY);
        writeSecret("demo-iot", "apikey", IOT_MASTER_KEY);
        writeSecret("demo-iot", "token", IOT_MASTER_TOKEN);
        IamSimulator iam = IamSimulator.start(Clock.systemUTC());
        iam.addKey(DEMO_MASTER_KEY);
        IotSimulator iot = IotSimulator.start(Clock.systemUTC());
        iot.addOrg(IOT_ORG, IOT_MASTER_KEY, IOT_MASTER_TOKEN);
        Path crTokenFile = projectCrToken(iam);
        RSAKey signingKey = new RSAKeyGenerator(2048).keyID("sandbox-1").generate();
        JwksSimulator jwks = JwksSimulator.start(signingKey);
        writePrivate("workload.jwt", workloadJwt(signingKey));
        String clientKey = ClientKeys.generate();
        writePrivate("client-key", clientKey);
        String opsKey = ClientKeys.generate();
        writePrivate("ops-key", opsKey);

        List<String> arguments = new ArrayList<>(List.of(args));
        arguments.add("--spring.profiles.active=sandbox");
        arguments.add("--tokenbroker.iam.url=" + iam.url());
        arguments.add("--tokenbroker.iot.api-url=" + iot.apiUrl());
        arguments.add("--tokenbroker.vault.file.directory=" + SANDBOX.resolve("vault"));
        arguments.add("--tokenbroker.credentials.demo-keyless.cr-token-file=" + crTokenFile);
        arguments.add("--tokenbroker.callers.client-keys.demo=" + ClientKeys.hash(clientKey));
        arguments.add("--tokenbroker.callers.client-keys.ops=" + ClientKeys.hash(opsKey));
        arguments.add("--tokenbroker.callers.jwt[0].issuer=" + ISSUER);
        arguments.add("--tokenbroker.callers.jwt[0].jwk-set-uri=" + jwks.url());
        arguments.add("--tokenbroker.callers.jwt[0].audiences[0]=" + AUDIENCE);
        SpringApplication.from(TokenBrokerApplication::main)
                .with(ReadyLines.class)
                .run(arguments.toArray(String[]::new));
    }

    // A projected service-account token of system:serviceaccount:sandbox:demo, valid 12 hours.
    private static String workloadJwt(RSAKey key) throws JOSEException {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .subject("system:serviceaccount:sandbox:demo")
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofHours(12))))
                .build();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    // A compute-resource token as the kubelet projects one (..data symlinked to a timestamped folder), known to the IAM
    // simulator and linked to the trusted profile of demo-keyless. A fresh random value each run.
    private static Path projectCrToken(IamSimulator iam) throws IOException {
        byte[] random = new byte[24];
        ThreadLocalRandom.current().nextBytes(random);
        String crToken = "eyJhbGciOiJSUzI1NiJ9.sandbox-cr-token."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Path folder = SANDBOX.resolve("tokens");
        if (Files.exists(folder)) {
            try (Stream<Path> old = Files.walk(folder)) {
                for (Path path : old.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        Path data = Files.createDirectories(folder.resolve("..2026_01_01_00_00_00.1"));
        Files.writeString(data.resolve("sa-token"), crToken);
        Files.createSymbolicLink(folder.resolve("..data"), data.getFileName());
        Files.createSymbolicLink(folder.resolve("sa-token"), Path.of("..data", "sa-token"));
        iam.addProfile(
                PROFILE_ID,
                "sandbox-demo-keyless",
                "crn:v1:sandbox:public:iam-identity::a/sandbox::profile:" + PROFILE_ID,
                "sandbox");
        iam.addCrToken(crToken, COMPUTE_RESOURCE);
        iam.linkProfile(PROFILE_ID, COMPUTE_RESOURCE);
        return folder.resolve("sa-token");
    }

    private static void writeSecret(String secret, String field, String value) throws IOException {
        Path folder = Files.createDirectories(SANDBOX.resolve("vault").resolve(secret));
        Files.writeString(folder.resolve(field), value + "\n");
    }

    private static void writePrivate(String name, String content) throws IOException {
        Files.createDirectories(SANDBOX);
        Path file = SANDBOX.resolve(name);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content);
    }

    /** Logs the ready-to-paste commands once the broker serves: one {@code Try:} line each. */
    static final class ReadyLines implements ApplicationListener<ApplicationReadyEvent> {

        @Override
        public void onApplicationEvent(ApplicationReadyEvent event) {
            Environment environment = event.getApplicationContext().getEnvironment();
            String api = "http://127.0.0.1:" + environment.getProperty("local.server.port", "8080");
            String actuator =
                    "http://127.0.0.1:" + environment.getProperty("local.management.port", "8081") + "/actuator";
            String clientKey = "$(cat " + SANDBOX.resolve("client-key") + ")";
            String opsKey = "$(cat " + SANDBOX.resolve("ops-key") + ")";
            Path workloadJwt = SANDBOX.resolve("workload.jwt");
            List<String> commands = List.of(
                    "curl -sf -X POST -H \"Authorization: Bearer " + clientKey + "\" " + api
                            + "/v1/credentials/demo/iam-token",
                    "curl -sf -X POST -H \"Authorization: Bearer " + clientKey + "\" " + api
                            + "/v1/credentials/demo-iot/iot-key",
                    "curl -sf -X POST -H \"Authorization: Bearer " + clientKey + "\" " + api
                            + "/v1/credentials/demo-keyless/iam-token",
                    "curl -sf -X POST -H \"Authorization: Bearer $(cat " + workloadJwt + ")\" " + api
                            + "/v1/credentials/demo/iam-token",
                    "curl -sf " + api + "/oauth2/token -d grant_type=urn:ietf:params:oauth:grant-type:token-exchange"
                            + " -d subject_token_type=urn:ietf:params:oauth:token-type:jwt --data-urlencode subject_token@"
                            + workloadJwt + " -d scope=demo",
                    "curl -sf " + api + "/iam/demo/identity/token -d grant_type=urn:ibm:params:oauth:grant-type:apikey"
                            + " -d apikey=" + clientKey,
                    "curl -sf -u ops:" + opsKey + " " + actuator + "/health",
                    "curl -sf -u ops:" + opsKey + " " + actuator + "/tokens",
                    "curl -sf -u ops:" + opsKey + " " + actuator + "/prometheus",
                    "curl -sf -u ops:" + opsKey + " " + actuator + "/configprops/tokenbroker.cache");
            log.info(
                    "Sandbox: IAM facade for the IBM Cloud SDKs: IamAuthenticator url={}/iam/demo, apikey = {}",
                    api,
                    clientKey);
            log.info(
                    "Sandbox: actuator {} (Basic ops:{} or Bearer); Spring Boot Admin: user.name=ops,"
                            + " user.password = the ops key",
                    actuator,
                    opsKey);
            commands.forEach(command -> log.info("Try: {}", command));
            log.info("Sandbox ready: {} commands above", commands.size());
        }
    }
}
