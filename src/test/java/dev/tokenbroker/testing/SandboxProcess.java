package dev.tokenbroker.testing;

import dev.tokenbroker.TestTokenBrokerApplication;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sandbox broker ({@link TestTokenBrokerApplication}: the real broker with its IAM and WIoTP simulators) in a JVM
 * process of its own, for what one JVM cannot show: a broker killed with {@code SIGKILL}, a standard output that
 * fails or stops being read. Its folder (vault, demo client key) is a fresh temporary one. Standard output goes to a
 * file, or to a pipe the test reads; standard error to a file. Close it when done (it is killed).
 */
public final class SandboxProcess implements AutoCloseable {

    private static final Pattern PORT = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/v1/credentials/demo/iam-token");
    private static final Duration START = Duration.ofSeconds(90);

    private final Process process;
    private final Path folder;
    private final BufferedReader pipe;
    private final int port;

    private SandboxProcess(Process process, Path folder, BufferedReader pipe, int port) {
        this.process = process;
        this.folder = folder;
        this.pipe = pipe;
        this.port = port;
    }

    /**
     * Starts it and waits until it serves.
     *
     * @param stdout where its standard output goes; null: to a pipe ({@link #pipe()})
     * @param arguments Spring Boot arguments ({@code --name=value}) beside the sandbox's own
     */
    public static SandboxProcess start(Path stdout, List<String> arguments) {
        try {
            Path folder = Files.createTempDirectory("token-broker-sandbox");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx256m");
            command.add("-Dtokenbroker.sandbox=" + folder);
            command.add("-cp");
            command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
            command.add(TestTokenBrokerApplication.class.getName());
            command.add("--server.port=0");
            command.add("--management.server.port=0");
            command.addAll(arguments);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectError(folder.resolve("stderr.log").toFile());
            if (stdout != null) {
                builder.redirectOutput(stdout.toFile());
            }
            Process process = builder.start();
            BufferedReader pipe = stdout == null
                    ? new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))
                    : null;
            int port = stdout == null ? portFromPipe(pipe, process) : portFromFile(stdout, process);
            return new SandboxProcess(process, folder, pipe, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The port of its caller API. */
    public int port() {
        return port;
    }

    /** The demo client key, allowed the {@code demo} credential's IAM tokens. */
    public String clientKey() {
        return read("client-key");
    }

    /** Its standard output, when it goes to a pipe. */
    public BufferedReader pipe() {
        return pipe;
    }

    /** Kills it with {@code SIGKILL} (no shutdown hook, no flush: what was written is all there is). */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kill();
        if (pipe != null) {
            try {
                pipe.close();
            } catch (IOException ignored) {
                // Already closed by the test.
            }
        }
    }

    private String read(String name) {
        try {
            return Files.readString(folder.resolve(name)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int portFromPipe(BufferedReader pipe, Process process) throws IOException {
        long deadline = System.nanoTime() + START.toNanos();
        for (String line = pipe.readLine(); line != null; line = pipe.readLine()) {
            Matcher port = PORT.matcher(line);
            if (port.find()) {
                return Integer.parseInt(port.group(1));
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("the sandbox did not start");
    }

    private static int portFromFile(Path stdout, Process process) throws IOException {
        long deadline = System.nanoTime() + START.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            if (Files.exists(stdout)) {
                Matcher port = PORT.matcher(Files.readString(stdout));
                if (port.find()) {
                    return Integer.parseInt(port.group(1));
                }
            }
            process.onExit().completeOnTimeout(null, 100, TimeUnit.MILLISECONDS).join();
        }
        process.destroyForcibly();
        throw new IllegalStateException("the sandbox did not start: " + Files.readString(stdout));
    }
}
