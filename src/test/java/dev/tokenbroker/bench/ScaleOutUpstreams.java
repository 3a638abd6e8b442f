package dev.tokenbroker.bench;

import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.sim.IotSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The upstream side of {@code scripts/scale-bench.sh}, as a process of its own: the IAM simulator on a loopback port,
 * issuing tokens of a short lifetime so that an hour of refreshes fits into a minute, the WIoTP simulator with the
 * organisation {@value #IOT_ORG}, and a file vault holding the keys they accept and the shared tier's encryption key.
 * Prints {@code IAM_URL=…} and {@code IOT_URL=…} once ready, then {@code IAM_CALLS=n} (token requests so far),
 * {@code IAM_PEAK=n} (the most in any one second) and {@code IOT_KEYS=n} (WIoTP keys created so far) every 200 ms
 * until killed.
 *
 * <p>Arguments: {@code VAULT_DIRECTORY TOKEN_LIFETIME_SECONDS}.
 */
public final class ScaleOutUpstreams {

    /** The WIoTP organisation of credential {@code factory-iot}. */
    static final String IOT_ORG = "bench";

    private static final String IOT_MASTER_KEY = "a-bench-masterkey0001";
    private static final String IOT_MASTER_TOKEN = "bench-iot-token-not-a-real-one";

    private ScaleOutUpstreams() {}

    public static void main(String[] args) throws Exception {
        Path vault = Path.of(args[0]);
        Duration lifetime = Duration.ofSeconds(Long.parseLong(args[1]));
        Files.createDirectories(vault.resolve("wml-prod"));
        Files.writeString(vault.resolve("wml-prod/apikey"), BenchUpstreams.APIKEY + "\n");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Files.createDirectories(vault.resolve("shared-tier"));
        Files.writeString(vault.resolve("shared-tier/key"), Base64.getEncoder().encodeToString(key) + "\n");
        Files.createDirectories(vault.resolve("factory-iot"));
        Files.writeString(vault.resolve("factory-iot/apikey"), IOT_MASTER_KEY + "\n");
        Files.writeString(vault.resolve("factory-iot/token"), IOT_MASTER_TOKEN + "\n");
        IamSimulator iam = IamSimulator.start(Clock.systemUTC());
        iam.addKey(BenchUpstreams.APIKEY);
        iam.tokenLifetime(lifetime);
        IotSimulator iot = IotSimulator.start(Clock.systemUTC());
        iot.addOrg(IOT_ORG, IOT_MASTER_KEY, IOT_MASTER_TOKEN);
        System.out.println("IOT_URL=" + iot.apiUrl());
        System.out.println("IAM_URL=" + iam.url());
        System.out.flush();
        Executors.newSingleThreadScheduledExecutor()
                .scheduleAtFixedRate(
                        () -> {
                            System.out.println("IAM_CALLS=" + iam.tokenCalls());
                            System.out.println("IAM_PEAK=" + iam.mostCallsWithin(Duration.ofSeconds(1)));
                            System.out.println("IOT_KEYS=" + iot.created().size());
                            System.out.flush();
                        },
                        0,
                        200,
                        TimeUnit.MILLISECONDS);
        Thread.currentThread().join();
    }
}
