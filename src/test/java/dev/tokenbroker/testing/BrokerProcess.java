package dev.tokenbroker.testing;

import dev.tokenbroker.TokenBrokerApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The broker in a JVM process of its own, as a replica runs in a pod: the production main class
 * ({@link TokenBrokerApplication}) with the Deployment's JVM flags ({@code src/main/jvm/deployment.flags}) and its
 * configuration in a YAML file, on two free loopback ports, logging to a file. Nothing is shared with the test JVM
 * but what goes over loopback (the simulators, Redis): no fake clock, no warm code, no BlockHound. For what one JVM
 * cannot show: replicas started together and cold, a replica killed with {@code SIGKILL} and started again. Close it
 * when done (it is killed).
 */
public final class BrokerProcess implements AutoCloseable {

    // The image's runtime, as scripts/lib.sh finds it; IMAGE_JAVA overrides it, as in the scripts.
    private static final String IMAGE_JAVA = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";

    private final Path config;
    private final Path log;
    private final int port;
    private final int managementPort;
    private Process process;

    private BrokerProcess(Path config, Path log, int port, int managementPort) {
        this.config = config;
        this.log = log;
        this.port = port;
        this.managementPort = managementPort;
    }

    /**
     * Starts it and returns at once (see {@link #awaitReady}).
     *
     * @param config a YAML file of {@code spring.config.additional-location}; the ports are given on the command line
     * @param log where its standard output and error go (appended, across restarts)
     */
    public static BrokerProcess start(Path config, Path log) {
        BrokerProcess broker = new BrokerProcess(config, log, LoopbackPorts.free(), LoopbackPorts.free());
        broker.launch();
        return broker;
    }

    /** Port of the caller API. */
    public int port() {
        return port;
    }

    /** Port of the actuator. */
    public int managementPort() {
        return managementPort;
    }

    /**
     * Waits until its readiness group says UP, as the kubelet's readiness probe would see it.
     *
     * @throws IllegalStateException when the process exits or the bound passes first (with the end of its log)
     */
    public void awaitReady(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker exited with " + process.exitValue() + ":\n" + logTail());
            }
            if (HealthProbe.isUp(managementPort, "readiness")) {
                return;
            }
            process.onExit().completeOnTimeout(null, 50, TimeUnit.MILLISECONDS).join();
        }
        throw new IllegalStateException("the broker was not ready within " + bound + ":\n" + logTail());
    }

    /** Kills it with {@code SIGKILL}, as the kubelet does past the grace period or the kernel's OOM killer, and waits. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts it again, after {@link #kill()}, with the same configuration and ports; returns at once. */
    public void restart() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the broker on port " + port + " still runs");
        }
        launch();
    }

    /** What it has logged, in every run so far. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        kill();
    }

    private void launch() {
        List<String> command = new ArrayList<>();
        Path imageJava = Path.of(System.getenv().getOrDefault("IMAGE_JAVA", IMAGE_JAVA));
        if (Files.isExecutable(imageJava)) {
            command.add(imageJava.toString());
        } else {
            // The flags are the image runtime's (Temurin 25: compact object headers); an older JVM skips what it
            // does not know.
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-XX:+IgnoreUnrecognizedVMOptions");
        }
        command.add("@" + Path.of("src/main/jvm/deployment.flags").toAbsolutePath());
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        command.add(TokenBrokerApplication.class.getName());
        command.add("--spring.config.additional-location=file:" + config.toAbsolutePath());
        command.add("--server.port=" + port);
        command.add("--management.server.port=" + managementPort);
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String logTail() {
        String all = log();
        return all.length() > 6000 ? all.substring(all.length() - 6000) : all;
    }
}
