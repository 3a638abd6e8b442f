package dev.tokenbroker.sink;

import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.credential.InvalidConfigurationException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks {@code tokenbroker.sinks} once at start-up (blocking file-system checks: start-up only): every sink names a
 * configured credential that mints IAM tokens ({@code iam-apikey}, {@code iam-trusted-profile}, {@code iam-assume};
 * WIoTP keys are not written to files), an absolute path that no other sink
 * uses, in a folder that exists and is writable.
 */
final class SinkValidation {

    private SinkValidation() {}

    /** @throws InvalidConfigurationException listing every problem found, one per line */
    static List<SinkTarget> check(SinkProperties properties, CredentialRegistry registry) {
        List<String> problems = new ArrayList<>();
        List<SinkTarget> targets = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        for (int i = 0; i < properties.sinks().size(); i++) {
            SinkProperties.Sink sink = properties.sinks().get(i);
            String where = "sink " + i + " (tokenbroker.sinks[" + i + "])";
            Optional<Credential> credential = credential(sink, registry, where, problems);
            Optional<Path> path = path(sink, where, problems);
            if (path.isPresent() && !seen.add(path.get())) {
                problems.add(where + ": path '" + path.get() + "' is already written by another sink");
            }
            if (credential.isPresent() && path.isPresent()) {
                targets.add(new SinkTarget(credential.get(), path.get(), sink.format()));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigurationException(problems);
        }
        return List.copyOf(targets);
    }

    private static Optional<Credential> credential(
            SinkProperties.Sink sink, CredentialRegistry registry, String where, List<String> problems) {
        if (sink.credential() == null || sink.credential().isBlank()) {
            problems.add(where + ": 'credential' is required");
            return Optional.empty();
        }
        Optional<Credential> credential = registry.find(sink.credential());
        if (credential.isEmpty()) {
            problems.add(where + ": credential '" + sink.credential() + "' is not configured");
        } else if (!credential.get().type().mintsIamTokens()) {
            problems.add(where + ": credential '" + sink.credential() + "' is of type "
                    + credential.get().type().id() + "; only credentials that mint IAM tokens can be written to files");
            return Optional.empty();
        }
        return credential;
    }

    private static Optional<Path> path(SinkProperties.Sink sink, String where, List<String> problems) {
        if (sink.path() == null || sink.path().isBlank()) {
            problems.add(where + ": 'path' is required");
            return Optional.empty();
        }
        Path path;
        try {
            path = Path.of(sink.path());
        } catch (InvalidPathException e) {
            problems.add(where + ": path '" + sink.path() + "' is not a valid path");
            return Optional.empty();
        }
        if (!path.isAbsolute()) {
            problems.add(where + ": path '" + sink.path() + "' must be absolute");
            return Optional.empty();
        }
        path = path.normalize();
        Path folder = path.getParent();
        if (folder == null || path.getFileName() == null) {
            problems.add(where + ": path '" + sink.path() + "' names no file");
            return Optional.empty();
        }
        if (!Files.isDirectory(folder)) {
            problems.add(where + ": folder '" + folder + "' does not exist");
            return Optional.empty();
        }
        if (!Files.isWritable(folder)) {
            problems.add(where + ": folder '" + folder + "' is not writable by this process");
            return Optional.empty();
        }
        if (Files.isDirectory(path)) {
            problems.add(where + ": path '" + path + "' is a folder");
            return Optional.empty();
        }
        return Optional.of(path);
    }
}
