package dev.tokenbroker.bench;

import dev.tokenbroker.sim.IamSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The upstream side of {@code scripts/bench.sh}, as a process of its own: the IAM simulator on a loopback port and
 * a file vault holding the key it accepts. Prints {@code IAM_URL=…} once ready, then runs until killed.
 *
 * <p>Arguments: {@code VAULT_DIRECTORY}.
 */
public final class BenchUpstreams {

    static final String APIKEY = "bench-master-key-0000000000000000000000000";

    private BenchUpstreams() {}

    public static void main(String[] args) throws Exception {
        Path vault = Path.of(args[0]);
        Files.createDirectories(vault.resolve("wml-prod"));
        Files.writeString(vault.resolve("wml-prod/apikey"), APIKEY + "\n");
        IamSimulator iam = IamSimulator.start(Clock.systemUTC());
        iam.addKey(APIKEY);
        System.out.println("IAM_URL=" + iam.url());
        System.out.flush();
        Thread.currentThread().join();
    }
}
