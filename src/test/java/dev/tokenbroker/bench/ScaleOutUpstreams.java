package dev.tokenbroker.bench;

import dev.tokenbroker.sim.IamSimulator;
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
 * issuing tokens of a short lifetime so that an hour of refreshes fits into a minute, and a file vault holding the key
 * it accepts and the shared tier's encryption key. Prints {@code IAM_URL=…} once ready, then {@code IAM_CALLS=n} (token
 * requests so far) every 200 ms until killed.
 *
 * <p>Arguments: {@code VAULT_DIRECTORY TOKEN_LIFETIME_SECONDS}.
 */
public final class ScaleOutUpstreams {

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
        IamSimulator iam = IamSimulator.start(Clock.systemUTC());
        iam.addKey(BenchUpstreams.APIKEY);
        iam.tokenLifetime(lifetime);
        System.out.println("IAM_URL=" + iam.url());
        System.out.flush();
        Executors.newSingleThreadScheduledExecutor()
                .scheduleAtFixedRate(
                        () -> {
                            System.out.println("IAM_CALLS=" + iam.tokenCalls());
                            System.out.flush();
                        },
                        0,
                        200,
                        TimeUnit.MILLISECONDS);
        Thread.currentThread().join();
    }
}
