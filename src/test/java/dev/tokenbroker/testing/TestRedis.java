package dev.tokenbroker.testing;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import redis.embedded.core.ExecutableProvider;

/**
 * A real {@code redis-server} process on a free loopback port, in a folder of its own, with no persistence. The
 * executable is the one the {@code embedded-redis} test dependency ships for this machine (Redis 6.2; Linux x86_64
 * and arm64, macOS x86_64 and arm64), extracted once per JVM: the tests need no OS package. Only the binary is taken
 * from that library; the process, its port, its configuration and its log ({@link #log()}) are ours.
 *
 * <p>One instance is one server (or one sentinel): {@link #start()} a plain one, {@link #start(List)} one with extra
 * configuration lines ({@code cluster-enabled yes}, {@code replicaof 127.0.0.1 6380}…), {@link #sentinel(List)} a
 * sentinel ({@code sentinel monitor …} lines). {@link #kill()} stops it as a crash would, {@link #restart()} brings it back on the same port with the same configuration. {@link #commands()} is a
 * synchronous Lettuce connection for tests that read or change what it holds. Not thread-safe; close it when done.
 */
public final class TestRedis implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final int port;
    private final Path folder;
    private final List<String> command;
    private Process process;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    private TestRedis(int port, Path folder, List<String> command) {
        this.port = port;
        this.folder = folder;
        this.command = command;
    }

    /** Starts a plain server on a free port. */
    public static TestRedis start() {
        return start(List.of());
    }

    /**
     * Starts a server on a free port with these configuration lines added to its {@code redis.conf} (after the port,
     * bind address, folder and no-persistence lines, so they may override those), e.g. {@code cluster-enabled yes}.
     * A cluster node keeps its {@code nodes.conf} in {@link #folder()}, so it keeps its identity across
     * {@link #restart()}.
     */
    public static TestRedis start(List<String> configuration) {
        return launch(configuration, false);
    }

    /**
     * Starts a sentinel ({@code redis-server redis.conf --sentinel}) on a free port with these configuration lines,
     * e.g. {@code sentinel monitor primary 127.0.0.1 6380 2}. The sentinel rewrites its file as it learns.
     */
    public static TestRedis sentinel(List<String> configuration) {
        return launch(configuration, true);
    }

    private static TestRedis launch(List<String> configuration, boolean sentinel) {
        try {
            int port = LoopbackPorts.free();
            Path folder = Files.createTempDirectory("token-broker-redis-" + port + "-");
            List<String> lines = new ArrayList<>(
                    List.of("port " + port, "bind 127.0.0.1", "dir " + folder, "logfile \"\"", "daemonize no"));
            if (!sentinel) {
                lines.addAll(List.of("save \"\"", "appendonly no"));
            }
            lines.addAll(configuration);
            Path file = Files.write(folder.resolve("redis.conf"), lines);
            List<String> command = new ArrayList<>(List.of(Executable.PATH.toString(), file.toString()));
            if (sentinel) {
                command.add("--sentinel");
            }
            TestRedis redis = new TestRedis(port, folder, List.copyOf(command));
            redis.restart();
            return redis;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Its loopback port. */
    public int port() {
        return port;
    }

    /** The value for {@code spring.data.redis.url}. */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Its own folder: {@code redis.conf}, {@code redis.log}, and a cluster node's {@code nodes.conf}. */
    public Path folder() {
        return folder;
    }

    /** What the process printed, in every run of it since it was first started. */
    public String log() {
        try {
            return Files.readString(folder.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Whether the process runs. */
    public boolean running() {
        return process != null && process.isAlive();
    }

    /** A synchronous Lettuce connection to it, opened on first use; {@link #kill()} closes it. */
    public RedisCommands<String, String> commands() {
        if (connection == null) {
            client = RedisClient.create(url());
            connection = client.connect();
        }
        return connection.sync();
    }

    /** Kills the process (SIGKILL), as a crash would, and waits until it is gone. */
    public void kill() {
        closeClient();
        if (process != null) {
            process.destroyForcibly();
            waitFor(process);
        }
    }

    /** Stops the process as an operator would (SIGTERM), and waits until it is gone. */
    public void stop() {
        closeClient();
        if (process != null) {
            process.destroy();
            waitFor(process);
        }
    }

    /**
     * Starts the process again (after {@link #kill()} or {@link #stop()}) on the same port, with the same
     * configuration and folder, and waits until it answers {@code PING}. A plain server comes back empty (no
     * snapshot, no append-only file), unless a replica's full sync left a {@code dump.rdb} there.
     */
    public void restart() {
        if (running()) {
            throw new IllegalStateException("redis-server on port " + port + " is still running");
        }
        try {
            process = new ProcessBuilder(command)
                    .directory(folder.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            folder.resolve("redis.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        }
        try {
            await().atMost(START_TIMEOUT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> !process.isAlive() || answersPing());
        } catch (ConditionTimeoutException e) {
            kill();
            throw new IllegalStateException("redis-server did not answer PING on port " + port + ":\n" + log(), e);
        }
        if (!process.isAlive()) {
            String log = log();
            String hint = log.contains("libssl") || log.contains("libcrypto")
                    ? " It needs OpenSSL 3: libssl3 on Linux x86_64, brew install openssl@3 on Apple silicon."
                    : "";
            throw new IllegalStateException("redis-server exited with " + process.exitValue() + " on port " + port
                    + " (" + Executable.PATH + ")." + hint + "\n" + log);
        }
    }

    /** Kills the process and deletes its folder. */
    @Override
    public void close() {
        kill();
        try (Stream<Path> files = Files.walk(folder)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void closeClient() {
        if (connection != null) {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            connection = null;
            client = null;
        }
    }

    // A RESP inline PING on a plain socket: no client library, so a starting process costs no thread pool.
    private boolean answersPing() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readNBytes(7), StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException notYet) {
            return false;
        }
    }

    private static void waitFor(Process process) {
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis-server did not exit within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // Extracted on first use, once per JVM, into a folder of its own that the JVM deletes on exit.
    private static final class Executable {

        static final Path PATH = extract();

        private static Path extract() {
            try {
                Path folder = Files.createTempDirectory("token-broker-redis-server-");
                folder.toFile().deleteOnExit();
                return ExecutableProvider.newJarResourceProvider(folder.toFile())
                        .get()
                        .toPath();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract the redis-server that embedded-redis ships", e);
            }
        }
    }
}
