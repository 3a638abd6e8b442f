package dev.tokenbroker.vault;

import dev.tokenbroker.support.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The {@code file} store: {@code {directory}/{secret}/{field}}, trailing newlines trimmed, hidden files (kubelet's
 * {@code ..data}) ignored. Secrets once read are re-read every poll interval; a change of any field gives the secret
 * a new version and is emitted on {@link #changes()}. File I/O runs on the bounded-elastic scheduler.
 */
public final class FileSecretRepository implements SecretRepository, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(FileSecretRepository.class);

    private final Path directory;
    private final Map<String, Loaded> loaded = new ConcurrentHashMap<>();
    private final AtomicLong versions = new AtomicLong();
    private final Sinks.Many<StoredSecret> changes = Sinks.many().multicast().directBestEffort();
    private final Disposable poller;
    private volatile boolean reachable = true;

    public FileSecretRepository(Path directory, Duration pollInterval) {
        this.directory = directory;
        this.poller = Flux.interval(pollInterval, Schedulers.boundedElastic())
                .onBackpressureDrop()
                .concatMap(tick -> Mono.fromRunnable(this::checkForChanges))
                .subscribe();
    }

    @Override
    public Mono<StoredSecret> read(String name) {
        Loaded known = loaded.get(name);
        if (known != null) {
            return Mono.just(known.secret());
        }
        return Mono.fromCallable(() -> loaded.computeIfAbsent(name, this::load).secret())
                .subscribeOn(Schedulers.boundedElastic());
    }

    @Override
    public Flux<StoredSecret> changes() {
        return changes.asFlux();
    }

    @Override
    public boolean reachable() {
        return reachable;
    }

    /** Re-reads every secret read so far; emits those whose content changed. Blocking: call off the event loop. */
    void checkForChanges() {
        reachable = Files.isDirectory(directory);
        for (String name : loaded.keySet()) {
            try {
                Map<String, Secret> fields = readFields(name);
                Loaded current = loaded.get(name);
                byte[] digest = digest(fields);
                if (current == null || !MessageDigest.isEqual(current.digest(), digest)) {
                    Loaded next = new Loaded(new StoredSecret(name, nextVersion(), fields), digest);
                    loaded.put(name, next);
                    log.info(
                            "Secret '{}' changed on disk: now version {}",
                            name,
                            next.secret().version());
                    changes.tryEmitNext(next.secret());
                }
            } catch (SecretNotFoundException | UncheckedIOException e) {
                log.warn("Secret '{}' could not be re-read; keeping version in use: {}", name, e.getMessage());
            }
        }
    }

    @Override
    public void destroy() {
        poller.dispose();
    }

    private Loaded load(String name) {
        Map<String, Secret> fields = readFields(name);
        return new Loaded(new StoredSecret(name, nextVersion(), fields), digest(fields));
    }

    private Map<String, Secret> readFields(String name) {
        Path folder = directory.resolve(name).normalize();
        if (!folder.startsWith(directory) || !Files.isDirectory(folder)) {
            throw new SecretNotFoundException(name, null);
        }
        Map<String, Secret> fields = new HashMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.toList()) {
                String field = file.getFileName().toString();
                if (field.startsWith(".") || !Files.isRegularFile(file)) {
                    continue;
                }
                String value = stripTrailingNewlines(Files.readString(file, StandardCharsets.UTF_8));
                if (!value.isEmpty()) {
                    fields.put(field, Secret.of(value));
                }
            }
        } catch (NoSuchFileException gone) {
            throw new SecretNotFoundException(name, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read secret folder '" + name + "'", e);
        }
        return fields;
    }

    private String nextVersion() {
        return Long.toString(versions.incrementAndGet());
    }

    private static String stripTrailingNewlines(String value) {
        int end = value.length();
        while (end > 0 && (value.charAt(end - 1) == '\n' || value.charAt(end - 1) == '\r')) {
            end--;
        }
        return value.substring(0, end);
    }

    private static byte[] digest(Map<String, Secret> fields) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            fields.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(field -> {
                sha.update(field.getKey().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(field.getValue().reveal().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            });
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Loaded(StoredSecret secret, byte[] digest) {}
}
