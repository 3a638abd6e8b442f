package dev.tokenbroker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.TokenBrokerApplication;
import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.testing.HealthProbe;
import dev.tokenbroker.testing.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar loads only what it uses (DESIGN §10, docs/benchmarks.md#footprint): the broker in a JVM of its own,
 * started as the Helm chart's sidecar starts it (profile {@code sidecar}, the file vault, one credential and one file
 * sink whose token the IAM simulator mints), on the jar's own run-time class path ({@code target/runtime.classpath},
 * written by the build: the tests' class path also holds springdoc and a Spring Boot Admin server), with
 * {@code -Xlog:class+load}. Once its startup group is UP, no class of Redis/Lettuce, Spring Vault, the Spring Boot
 * Admin client or springdoc has been loaded, nor of Bean Validation (the properties check themselves:
 * {@code support.CheckedProperties}). With the shared tier on and an SBA URL set, the same start loads Lettuce
 * and the SBA client: what is left out depends on the properties, not on the class path, which holds them all.
 */
class SidecarClassesIntegrationTests {

    /** The features whose classes the sidecar must not load, by package. */
    private static final Map<String, String> UNUSED = Map.of(
            "Redis/Lettuce", "io.lettuce.",
            "Spring Data Redis", "org.springframework.data.redis.",
            "Spring Vault", "org.springframework.vault.",
            "Spring Boot Admin client", "de.codecentric.boot.admin.client.",
            "springdoc", "org.springdoc.",
            "Bean Validation", "jakarta.validation.",
            "Hibernate Validator", "org.hibernate.validator.");

    private static final Pattern LOADED = Pattern.compile("\\[class,load\\] (\\S+) source:");

    private static final String APIKEY = "sidecar-classes-master-key-000000000000000";

    private static IamSimulator iam;

    @TempDir
    static Path folder;

    @BeforeAll
    static void startIam() throws IOException {
        iam = IamSimulator.start(Clock.systemUTC());
        iam.addKey(APIKEY);
        Files.createDirectories(folder.resolve("vault/wml-prod"));
        Files.writeString(folder.resolve("vault/wml-prod/apikey"), APIKEY);
        Files.createDirectories(folder.resolve("vault/shared-tier"));
        Files.writeString(folder.resolve("vault/shared-tier/key"), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    }

    @AfterAll
    static void stopIam() {
        iam.close();
    }

    @Test
    void sidecarWhenReadyThenNoClassOfRedisVaultAdminClientOrSpringdocIsLoaded() {
        Map<String, Integer> loaded = loadedAtReady("default", List.of());

        assertThat(loaded.get("all")).isGreaterThan(1_000);
        UNUSED.keySet()
                .forEach(feature -> assertThat(loaded.get(feature))
                        .as("classes of %s loaded by the sidecar", feature)
                        .isZero());
    }

    @Test
    void sidecarWhenSharedTierAndAdminClientAreOnThenTheirClassesLoad() {
        Map<String, Integer> loaded = loadedAtReady(
                "features-on",
                List.of(
                        "--tokenbroker.shared.enabled=true",
                        "--tokenbroker.shared.encryption-key-secret=shared-tier",
                        "--spring.data.redis.host=127.0.0.1",
                        "--spring.data.redis.port=" + LoopbackPorts.free(),
                        "--spring.boot.admin.client.url=http://127.0.0.1:" + LoopbackPorts.free()));

        assertThat(loaded.get("Redis/Lettuce")).isPositive();
        assertThat(loaded.get("Spring Data Redis")).isPositive();
        assertThat(loaded.get("Spring Boot Admin client")).isPositive();
        assertThat(loaded.get("Spring Vault")).isZero();
        assertThat(loaded.get("springdoc")).isZero();
        assertThat(loaded.get("Hibernate Validator")).isZero();
    }

    /** Starts the sidecar, waits for its startup group and its sink, and counts the classes it loaded by feature. */
    private static Map<String, Integer> loadedAtReady(String name, List<String> arguments) {
        Path run = folder.resolve(name);
        Path classes = run.resolve("classes.log");
        Path sink = run.resolve("sinks/wml-prod.token");
        int management = LoopbackPorts.free();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-Xlog:class+load=info:file=" + classes,
                "-cp",
                runtimeClassPath(),
                TokenBrokerApplication.class.getName(),
                "--spring.profiles.active=sidecar",
                "--server.port=" + LoopbackPorts.free(),
                "--management.server.port=" + management,
                "--tokenbroker.vault.type=file",
                "--tokenbroker.vault.file.directory=" + folder.resolve("vault"),
                "--tokenbroker.iam.url=" + iam.url(),
                "--tokenbroker.credentials.wml-prod.type=iam-apikey",
                "--tokenbroker.sinks[0].credential=wml-prod",
                "--tokenbroker.sinks[0].path=" + sink));
        command.addAll(arguments);
        Process process = start(run, command);
        try {
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        assertThat(process.isAlive())
                                .as("the sidecar exited; see %s", run.resolve("output.log"))
                                .isTrue();
                        return HealthProbe.isUp(management, "startup");
                    });
            assertThat(sink).isNotEmptyFile();
            return countByFeature(classes);
        } finally {
            process.destroyForcibly();
            process.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        }
    }

    private static Process start(Path run, List<String> command) {
        try {
            Files.createDirectories(run.resolve("sinks"));
            return new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(run.resolve("output.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Integer> countByFeature(Path classes) {
        Map<String, Integer> counts = new TreeMap<>();
        counts.put("all", 0);
        UNUSED.keySet().forEach(feature -> counts.put(feature, 0));
        try {
            for (String line : Files.readAllLines(classes)) {
                Matcher loaded = LOADED.matcher(line);
                if (!loaded.find()) {
                    continue;
                }
                counts.merge("all", 1, Integer::sum);
                UNUSED.forEach((feature, prefix) -> {
                    if (loaded.group(1).startsWith(prefix)) {
                        counts.merge(feature, 1, Integer::sum);
                    }
                });
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return counts;
    }

    /** target/classes and the jar's run-time dependencies, as the build wrote them (maven-dependency-plugin). */
    private static String runtimeClassPath() {
        try {
            return Path.of("target/classes").toAbsolutePath()
                    + java.io.File.pathSeparator
                    + Files.readString(Path.of("target/runtime.classpath")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("target/runtime.classpath is written by the build (pom.xml)", e);
        }
    }
}
