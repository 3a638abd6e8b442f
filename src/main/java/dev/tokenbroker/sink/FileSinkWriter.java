package dev.tokenbroker.sink;

import dev.tokenbroker.api.IamTokenResponse;
import dev.tokenbroker.iam.IamToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes one sink's file. Every write is atomic: the token goes to a temporary file in the same folder, created with
 * mode {@code 0600}, which is flushed to disk ({@code fsync}) and then renamed over the sink file, so a reader sees
 * the old content or the new one, never a partial or empty file. The file keeps mode {@code 0600}.
 *
 * <p>Writes of one sink are serialised, and a token issued before the one on disk is never written over it (a late
 * refresh of a rotated-away master key cannot undo the newer token). Thread-safe; {@link #write(IamToken)} does its
 * file I/O on {@link Schedulers#boundedElastic()}.
 */
public final class FileSinkWriter {

    private static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");

    private final SinkTarget target;
    private final JsonMapper json;
    private final Clock clock;

    private IamToken onDisk; // guarded by this
    private volatile Instant lastWrite;
    private volatile Instant writtenExpiresAt;
    private volatile String lastError;

    FileSinkWriter(SinkTarget target, JsonMapper json, Clock clock) {
        this.target = target;
        this.json = json;
        this.clock = clock;
    }

    SinkTarget target() {
        return target;
    }

    /** The credential this sink writes. */
    public String credential() {
        return target.credential().name();
    }

    /** The sink file. */
    public Path path() {
        return target.path();
    }

    /** What the file holds. */
    public SinkFormat format() {
        return target.format();
    }

    /** Whether the file has been written at least once by this process. */
    public boolean written() {
        return lastWrite != null;
    }

    /** When the file was last written. */
    public Optional<Instant> lastWrite() {
        return Optional.ofNullable(lastWrite);
    }

    /** When the token in the file expires. */
    public Optional<Instant> writtenExpiresAt() {
        return Optional.ofNullable(writtenExpiresAt);
    }

    /** What went wrong with the last attempt to get or write a token, if it failed; never a secret. */
    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    /**
     * Writes the token to the file, off the caller's thread.
     *
     * @return {@code true} once the file holds the token, {@code false} if it already held it or a newer one; errors
     *     with {@link UncheckedIOException}
     */
    public Mono<Boolean> write(IamToken token) {
        return Mono.fromCallable(() -> writeNow(token)).subscribeOn(Schedulers.boundedElastic());
    }

    void failed(String error) {
        lastError = error;
    }

    // Blocking: boundedElastic only.
    synchronized boolean writeNow(IamToken token) {
        if (onDisk != null && (token == onDisk || token.issuedAt().isBefore(onDisk.issuedAt()))) {
            return false;
        }
        byte[] content = content(token);
        try {
            replace(content);
        } catch (IOException e) {
            lastError = "writing " + target.path() + " failed: " + e.getClass().getSimpleName();
            throw new UncheckedIOException(lastError, e);
        } finally {
            Arrays.fill(content, (byte) 0);
        }
        onDisk = token;
        writtenExpiresAt = token.expiresAt();
        lastWrite = clock.instant();
        lastError = null;
        return true;
    }

    private byte[] content(IamToken token) {
        return switch (target.format()) {
            case RAW -> token.accessToken().reveal().getBytes(StandardCharsets.UTF_8);
            case JSON -> json.writeValueAsBytes(new IamTokenResponse(token, credential(), clock.instant()));
        };
    }

    private void replace(byte[] content) throws IOException {
        Path folder = target.path().getParent();
        Path temp = Files.createTempFile(folder, ".token-broker-", ".tmp", ownerOnly(folder));
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, target.path(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        syncFolder(folder);
    }

    private static FileAttribute<?>[] ownerOnly(Path folder) {
        if (folder.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)};
        }
        return new FileAttribute<?>[0];
    }

    // Makes the rename itself durable on disk-backed folders; a no-op where folders cannot be opened.
    private static void syncFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not every file system lets a folder be opened or synced; the rename is atomic regardless.
        }
    }

    @Override
    public String toString() {
        return "FileSinkWriter[" + target.describe() + "]";
    }
}
