package dev.tokenbroker.vault;

import dev.tokenbroker.problem.SecretNotFoundException;
import dev.tokenbroker.support.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The {@code file} store: {@code {directory}/{secret}/{field}}, trailing newlines trimmed, hidden files (kubelet's
 * {@code ..data}) ignored. Secrets once read are re-read every poll interval. A change becomes a new version only once
 * it has settled: no field file is empty, and the content has stayed the same for the settle window, so that a writer
 * that truncates a file and fills it again (or writes several fields one by one) is not taken for a rotation. A
 * version is derived from the content (with a per-process key, so it fingerprints nothing outside this process):
 * content that returns to an earlier state gets that state's version back. File I/O runs on the bounded-elastic
 * scheduler; the poller runs between {@link #start()} and {@link #stop()}.
 */
public final class FileSecretRepository implements SecretRepository, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(FileSecretRepository.class);

    private final Path directory;
    private final Duration pollInterval;
    private final long settleNanos;
    private final LongSupplier nanoTime;
    private final byte[] versionKey = new byte[32];
    private final Map<String, Loaded> loaded = new ConcurrentHashMap<>();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Sinks.Many<StoredSecret> changes = Sinks.many().multicast().directBestEffort();
    private volatile Disposable poller;
    private volatile boolean reachable = true;

    /**
     * @param settle how long changed content must stay unchanged before it is a new version
     * @param nanoTime a monotonic clock in nanoseconds ({@code System::nanoTime} outside tests)
     */
    public FileSecretRepository(Path directory, Duration pollInterval, Duration settle, LongSupplier nanoTime) {
        this.directory = directory;
        this.pollInterval = pollInterval;
        this.settleNanos = settle.toNanos();
        this.nanoTime = nanoTime;
        new SecureRandom().nextBytes(versionKey);
    }

    @Override
    public void start() {
        poller = Flux.interval(pollInterval, Schedulers.boundedElastic())
                .onBackpressureDrop()
                .concatMap(tick -> Mono.fromRunnable(this::checkForChanges))
                .subscribe();
    }

    @Override
    public void stop() {
        Disposable running = poller;
        if (running != null) {
            running.dispose();
        }
        poller = null;
    }

    @Override
    public boolean isRunning() {
        return poller != null;
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
    public StoredSecret known(String name) {
        Loaded known = loaded.get(name);
        return known == null ? null : known.secret();
    }

    @Override
    public Flux<StoredSecret> changes() {
        return changes.asFlux();
    }

    @Override
    public boolean reachable() {
        return reachable;
    }

    /**
     * Re-reads every secret read so far; emits those whose content changed and has settled. Blocking: call off the
     * event loop.
     */
    void checkForChanges() {
        reachable = Files.isDirectory(directory);
        for (String name : loaded.keySet()) {
            try {
                check(name, readFields(name));
            } catch (SecretNotFoundException | UncheckedIOException e) {
                log.warn("Secret '{}' could not be re-read; keeping version in use: {}", name, e.getMessage());
            }
        }
    }

    private void check(String name, Fields read) {
        Loaded current = loaded.get(name);
        String version = version(read.values());
        if (current != null && current.secret().version().equals(version)) {
            pending.remove(name);
            return;
        }
        long now = nanoTime.getAsLong();
        Pending seen = pending.compute(
                name,
                (key, before) -> before != null && before.version().equals(version)
                        ? before
                        : new Pending(version, now, read.empty()));
        if (seen.since() == now && !read.empty().isEmpty()) {
            log.warn(
                    "Secret '{}' has empty field file(s) {}: not a new version until they are written; keeping"
                            + " version in use",
                    name,
                    read.empty());
        }
        if (!read.empty().isEmpty() || now - seen.since() < settleNanos) {
            return;
        }
        pending.remove(name);
        StoredSecret next = new StoredSecret(name, version, read.values());
        loaded.put(name, new Loaded(next));
        log.info("Secret '{}' changed on disk: now version {}", name, version);
        changes.tryEmitNext(next);
    }

    private Loaded load(String name) {
        Map<String, Secret> fields = readFields(name).values();
        return new Loaded(new StoredSecret(name, version(fields), fields));
    }

    private Fields readFields(String name) {
        Path folder = directory.resolve(name).normalize();
        if (!folder.startsWith(directory) || !Files.isDirectory(folder)) {
            throw new SecretNotFoundException(name, null);
        }
        Map<String, Secret> fields = new HashMap<>();
        Set<String> empty = new TreeSet<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.toList()) {
                String field = file.getFileName().toString();
                if (field.startsWith(".") || !Files.isRegularFile(file)) {
                    continue;
                }
                String value = stripTrailingNewlines(Files.readString(file, StandardCharsets.UTF_8));
                if (value.isEmpty()) {
                    empty.add(field);
                } else {
                    fields.put(field, Secret.of(value));
                }
            }
        } catch (NoSuchFileException gone) {
            throw new SecretNotFoundException(name, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read secret folder '" + name + "'", e);
        }
        return new Fields(fields, empty);
    }

    private static String stripTrailingNewlines(String value) {
        int end = value.length();
        while (end > 0 && (value.charAt(end - 1) == '\n' || value.charAt(end - 1) == '\r')) {
            end--;
        }
        return value.substring(0, end);
    }

    // HMAC, not a bare hash: the version is shown to operators and must not fingerprint a key outside this process.
    private String version(Map<String, Secret> fields) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(versionKey, "HmacSHA256"));
            fields.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(field -> {
                mac.update(field.getKey().getBytes(StandardCharsets.UTF_8));
                mac.update((byte) 0);
                mac.update(field.getValue().reveal().getBytes(StandardCharsets.UTF_8));
                mac.update((byte) 0);
            });
            return HexFormat.of().formatHex(mac.doFinal(), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Loaded(StoredSecret secret) {}

    // What a poll found: the non-empty fields, and the names of the empty field files.
    private record Fields(Map<String, Secret> values, Set<String> empty) {}

    // A change seen but not yet settled: its version and when it was first seen (nanoTime).
    private record Pending(String version, long since, Set<String> empty) {}
}
