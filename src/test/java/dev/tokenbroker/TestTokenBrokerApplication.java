package dev.tokenbroker;

import dev.tokenbroker.caller.ClientKeys;
import dev.tokenbroker.sim.IamSimulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;

/**
 * The sandbox behind {@code ./mvnw spring-boot:test-run} (DESIGN §9): the real broker, with an IAM simulator on a
 * loopback port, a file vault of demo keys under {@code target/sandbox}, and a demo client key. Only the upstream
 * URL and the vault folder differ from production. Prints a ready {@code curl} once the broker is up; the client key
 * itself is read from a file, never logged.
 */
public final class TestTokenBrokerApplication {

    private static final Logger log = LoggerFactory.getLogger(TestTokenBrokerApplication.class);
    private static final String DEMO_MASTER_KEY = "sandbox-demo-apikey-not-a-real-key";

    private TestTokenBrokerApplication() {}

    public static void main(String[] args) throws IOException {
        Path sandbox = Path.of("target", "sandbox").toAbsolutePath();
        Path vault = Files.createDirectories(sandbox.resolve("vault/demo"));
        Files.writeString(vault.resolve("apikey"), DEMO_MASTER_KEY + "\n");
        IamSimulator iam = IamSimulator.start(Clock.systemUTC());
        iam.addKey(DEMO_MASTER_KEY);
        String clientKey = ClientKeys.generate();
        Path keyFile = sandbox.resolve("client-key");
        Files.deleteIfExists(keyFile);
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, clientKey);

        List<String> arguments = new ArrayList<>(List.of(args));
        arguments.add("--spring.profiles.active=sandbox");
        arguments.add("--tokenbroker.iam.url=" + iam.url());
        arguments.add("--tokenbroker.vault.file.directory=" + sandbox.resolve("vault"));
        arguments.add("--tokenbroker.callers.client-keys.demo=" + ClientKeys.hash(clientKey));
        SpringApplication.from(TokenBrokerApplication::main)
                .with(ReadyLine.class)
                .run(arguments.toArray(String[]::new));
    }

    /** Logs the ready-to-paste curl once the broker serves. */
    static final class ReadyLine implements ApplicationListener<ApplicationReadyEvent> {

        @Override
        public void onApplicationEvent(ApplicationReadyEvent event) {
            String port = event.getApplicationContext().getEnvironment().getProperty("local.server.port", "8080");
            Path keyFile = Path.of("target", "sandbox", "client-key").toAbsolutePath();
            log.info(
                    "Sandbox ready. Try: curl -s -X POST -H \"Authorization: Bearer $(cat {})\" "
                            + "http://127.0.0.1:{}/v1/credentials/demo/iam-token",
                    keyFile,
                    port);
        }
    }
}
