package dev.tokenbroker.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Prometheus' real {@code promtool} (Debian's {@code prometheus} package; {@code .ci/run} installs it). A machine
 * without it fails the test with that instruction rather than skipping it.
 */
final class Promtool {

    private Promtool() {}

    /** What one run printed and how it exited. */
    record Result(int exitCode, String output) {}

    /** Runs {@code promtool ARGS}, feeding {@code stdin} (or nothing) to it; waits at most a minute. */
    static Result run(String stdin, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(executable());
        command.addAll(List.of(arguments));
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            try (var in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(1, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("promtool did not finish within a minute: " + command);
            }
            return new Result(process.exitValue(), output);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static String executable() {
        for (String folder : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(folder, "promtool");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException("promtool is not on the PATH: install Debian's prometheus package"
                + " (apt-get install -y prometheus), as .ci/run does");
    }
}
