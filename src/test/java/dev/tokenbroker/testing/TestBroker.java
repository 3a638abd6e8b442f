package dev.tokenbroker.testing;

import dev.tokenbroker.caller.ClientKeys;
import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.sim.IotSimulator;
import dev.tokenbroker.sim.JwksSimulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The shared world of the integration tests: one fake clock, one IAM simulator, one WIoTP simulator, one file vault,
 * and callers with known keys. Every key and token value here is a canary: tests assert it never shows where it must
 * not.
 */
public final class TestBroker {

    /**
     * The fake clock of the broker and the simulators. It starts days behind the system clock, and the suite's
     * advances (hours in all) leave it behind: tests of clients that read the system clock (the IBM SDKs) rely on it.
     * It starts off the whole second, as a real clock is, so that no test relies on a whole second that a test run
     * before it (one that moves it to the system clock's time) may take away.
     */
    public static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-16T12:00:00.123456789Z"));

    public static final IamSimulator IAM = IamSimulator.start(CLOCK);

    public static final IotSimulator IOT = IotSimulator.start(CLOCK);

    /** The WIoTP organisation of credential {@code factory-iot}. */
    public static final String IOT_ORG = "abc123";

    /** Master keys (canaries). */
    public static final String WML_PROD_KEY = "MASTERCANARY0wmlprod0a8f3e";

    public static final String WML_DEV_KEY = "MASTERCANARY0wmldev0c41d9";
    public static final String OTHER_TEAM_KEY = "MASTERCANARY0other0e77b2";
    public static final String UNKNOWN_TO_IAM_KEY = "MASTERCANARY0unknown0f00d1";
    public static final String IOT_MASTER_KEY = "a-abc123-masterkey0001";
    public static final String IOT_MASTER_TOKEN = "MASTERCANARY0iottoken0b0b0b";

    /** The master key of secret {@code assume-only}, which only an {@code iam-assume} credential uses (canary). */
    public static final String ASSUME_ONLY_KEY = "MASTERCANARY0assumeonly0d4c2a";

    /** The IAM account of the trusted profiles. */
    public static final String IAM_ACCOUNT = "sim-account-0000000000000000000";

    /** The compute resource (namespace/service account) the broker runs as: the profiles are linked to it. */
    public static final String COMPUTE_RESOURCE = "token-broker/token-broker";

    /** The compute-resource tokens the kubelet projected for the broker (canaries: secrets like any other). */
    public static final String CR_TOKEN = crToken("reader");

    public static final String ROTATING_CR_TOKEN = crToken("rotating");

    /** A compute-resource token that IAM never issued (a stolen or forged one). */
    public static final String STOLEN_CR_TOKEN = crToken("stolen");

    /** The folder of the compute-resource token folders ({@code reader}, {@code rotating}, {@code stolen}, …). */
    public static final Path CR_TOKENS = createCrTokens();

    /** Client keys (canaries). */
    public static final String SCORER_KEY = "tbk_CLIENTCANARY0scorer0000000000000000000000";

    public static final String GATEWAY_KEY = "tbk_CLIENTCANARY0gateway000000000000000000000";
    public static final String STRANGER_KEY = "tbk_CLIENTCANARY0stranger00000000000000000000";

    /** Client key of the operator ({@code client:ops}, listed in {@code tokenbroker.ops.callers}). */
    public static final String OPS_KEY = "tbk_CLIENTCANARY0ops0000000000000000000000000";

    /** A client key whose caller has a very low rate limit (application-it.yaml). */
    public static final String LIMITED_KEY = "tbk_CLIENTCANARY0limited000000000000000000000";

    /** The client key of {@code client:keyless}, whose policy names the keyless credentials only. */
    public static final String KEYLESS_KEY = "tbk_CLIENTCANARY0keyless000000000000000000000";

    /** The JWKS endpoints of the three trusted JWT issuers (see {@link TestJwts}). */
    public static final JwksSimulator CLUSTER_JWKS = JwksSimulator.start(TestJwts.CLUSTER_RSA, TestJwts.CLUSTER_EC);

    public static final JwksSimulator ROTATING_JWKS = JwksSimulator.start(TestJwts.ROTATING_OLD);
    public static final JwksSimulator OUTAGE_JWKS = JwksSimulator.start(TestJwts.OUTAGE_KEY);

    public static final Path VAULT = createVault();

    /** The folder of the file sinks in application-it.yaml; exists before the context starts. */
    public static final Path SINKS = createFolder("token-broker-sinks");

    private TestBroker() {}

    /**
     * When a credential minted at {@code mintedAt} for an hour expires: an hour later, cut to the second, as IAM's
     * {@code expiration} and a WIoTP key's {@code expiresAt} are.
     */
    public static Instant anHourFrom(Instant mintedAt) {
        return mintedAt.plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
    }

    /** Points the broker at the simulator, the vault and the callers. */
    public static void register(DynamicPropertyRegistry registry) {
        properties().forEach((name, value) -> registry.add(name, () -> value));
    }

    /** The properties {@link #register} adds, for whoever starts the broker another way (the benchmark). */
    public static Map<String, String> properties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("tokenbroker.iam.url", IAM.url());
        properties.put("tokenbroker.iot.api-url", IOT.apiUrl());
        properties.put("tokenbroker.vault.file.directory", VAULT.toString());
        properties.put("test.sinks-folder", SINKS.toString());
        properties.put("test.cr-tokens", CR_TOKENS.toString());
        properties.put("tokenbroker.callers.client-keys.scorer", ClientKeys.hash(SCORER_KEY));
        properties.put("tokenbroker.callers.client-keys.gateway", ClientKeys.hash(GATEWAY_KEY));
        properties.put("tokenbroker.callers.client-keys.stranger", ClientKeys.hash(STRANGER_KEY));
        properties.put("tokenbroker.callers.client-keys.limited", ClientKeys.hash(LIMITED_KEY));
        properties.put("tokenbroker.callers.client-keys.ops", ClientKeys.hash(OPS_KEY));
        properties.put("tokenbroker.callers.client-keys.keyless", ClientKeys.hash(KEYLESS_KEY));
        jwtIssuer(properties, 0, TestJwts.ISSUER, "cluster/", CLUSTER_JWKS);
        jwtIssuer(properties, 1, TestJwts.ROTATING_ISSUER, "rotating/", ROTATING_JWKS);
        jwtIssuer(properties, 2, TestJwts.OUTAGE_ISSUER, "outage/", OUTAGE_JWKS);
        return properties;
    }

    private static void jwtIssuer(
            Map<String, String> properties, int index, String issuer, String callerPrefix, JwksSimulator jwks) {
        String prefix = "tokenbroker.callers.jwt[" + index + "].";
        properties.put(prefix + "issuer", issuer);
        properties.put(prefix + "caller-prefix", callerPrefix);
        properties.put(prefix + "jwk-set-uri", jwks.url());
        properties.put(prefix + "audiences[0]", TestJwts.AUDIENCE);
        properties.put(prefix + "audiences[1]", "another-audience");
    }

    /** Replaces a secret field the way kubelet does: write elsewhere, then rename over it. */
    public static void writeSecret(String secret, String field, String value) {
        try {
            Path folder = Files.createDirectories(VAULT.resolve(secret));
            Path temp = Files.createTempFile(folder, ".tmp", "");
            Files.writeString(temp, value + "\n");
            Files.move(
                    temp, folder.resolve(field), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The kubelet's projected folders, and what IAM knows: the tokens, the profiles, the links and the trusts. */
    private static Path createCrTokens() {
        Path folder = createFolder("token-broker-cr-tokens");
        TestCrTokens.project(folder.resolve("reader"), "sa-token", CR_TOKEN);
        TestCrTokens.project(folder.resolve("rotating"), "sa-token", ROTATING_CR_TOKEN);
        TestCrTokens.project(folder.resolve("stolen"), "sa-token", STOLEN_CR_TOKEN);
        TestCrTokens.project(folder.resolve("vanishing"), "sa-token", CR_TOKEN);
        IAM.addCrToken(CR_TOKEN, COMPUTE_RESOURCE);
        IAM.addCrToken(ROTATING_CR_TOKEN, COMPUTE_RESOURCE);
        profile("cos-reader");
        profile("cos-rotating");
        profile("cos-unlinked");
        profile("wml-staging");
        profile("wml-batch");
        IAM.linkProfile("Profile-cos-reader", COMPUTE_RESOURCE);
        IAM.linkProfile("Profile-cos-rotating", COMPUTE_RESOURCE);
        IAM.trustApikey("Profile-wml-staging", WML_PROD_KEY);
        IAM.trustApikey("Profile-wml-batch", ASSUME_ONLY_KEY);
        return folder;
    }

    /** The CRN of the trusted profile of that name. */
    public static String profileCrn(String name) {
        return "crn:v1:bluemix:public:iam-identity::a/" + IAM_ACCOUNT + "::profile:Profile-" + name;
    }

    private static void profile(String name) {
        IAM.addProfile("Profile-" + name, name, profileCrn(name), IAM_ACCOUNT);
    }

    // JWT-shaped, as a projected service-account token is.
    private static String crToken(String name) {
        return "eyJhbGciOiJSUzI1NiIsImtpZCI6InNpbSJ9.CRCANARY0" + name + "0" + Long.toHexString(name.hashCode())
                + ".c2lnbmF0dXJl";
    }

    private static Path createFolder(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path createVault() {
        try {
            Path vault = Files.createTempDirectory("token-broker-vault");
            IOT.addOrg(IOT_ORG, IOT_MASTER_KEY, IOT_MASTER_TOKEN);
            IAM.addKey(WML_PROD_KEY);
            IAM.addKey(WML_DEV_KEY);
            IAM.addKey(OTHER_TEAM_KEY);
            Files.createDirectories(vault.resolve("wml-prod"));
            Files.writeString(vault.resolve("wml-prod/apikey"), WML_PROD_KEY + "\n");
            Files.createDirectories(vault.resolve("wml-dev"));
            Files.writeString(vault.resolve("wml-dev/apikey"), WML_DEV_KEY);
            Files.createDirectories(vault.resolve("other-team"));
            Files.writeString(vault.resolve("other-team/apikey"), OTHER_TEAM_KEY);
            Files.createDirectories(vault.resolve("bad-key"));
            Files.writeString(vault.resolve("bad-key/apikey"), UNKNOWN_TO_IAM_KEY);
            Files.createDirectories(vault.resolve("factory-iot"));
            Files.writeString(vault.resolve("factory-iot/apikey"), IOT_MASTER_KEY);
            Files.writeString(vault.resolve("factory-iot/token"), IOT_MASTER_TOKEN);
            Files.createDirectories(vault.resolve("assume-only"));
            Files.writeString(vault.resolve("assume-only/apikey"), ASSUME_ONLY_KEY);
            IAM.addKey(ASSUME_ONLY_KEY);
            return vault;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
