package dev.tokenbroker.bench;

import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.testing.TestBroker;
import dev.tokenbroker.testing.TestJwts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The upstream side of {@code scripts/bench.sh}, as a process of its own: the IAM simulator on a loopback port, a
 * file vault holding the key it accepts, and a workload-JWT issuer (the test suite's cluster JWKS simulator) with one
 * service-account token signed by it, valid for an hour of real time. Prints {@code IAM_URL=…}, {@code JWKS_URL=…},
 * {@code JWT_ISSUER=…} and {@code JWT=…} once ready (the token is a test key's, worthless outside the benchmark), then
 * runs until killed.
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
        // The test clock starts days in the past; the broker under benchmark reads the system clock.
        TestBroker.CLOCK.advance(Duration.between(TestBroker.CLOCK.instant(), Instant.now()));
        String jwt = TestJwts.serviceAccount("ml", "bench").sign();
        System.out.println("IAM_URL=" + iam.url());
        System.out.println("JWKS_URL=" + TestBroker.CLUSTER_JWKS.url());
        System.out.println("JWT_ISSUER=" + TestJwts.ISSUER);
        System.out.println("JWT=" + jwt);
        System.out.flush();
        Thread.currentThread().join();
    }
}
