package dev.tokenbroker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Compute-resource token files laid out the way the kubelet lays out a projected volume: the file is a symlink through
 * {@code ..data} to a timestamped folder, and an update writes a new folder, then swaps {@code ..data} to it with one
 * atomic rename and removes the old folder, so that a reader sees the old content or the new one, never a mix.
 */
public final class TestCrTokens {

    private static final AtomicLong GENERATION = new AtomicLong();

    private TestCrTokens() {}

    /** Projects {@code content} as {@code folder/file} (creating the folder); returns the file's path. */
    public static Path project(Path folder, String file, String content) {
        try {
            Files.createDirectories(folder);
            Path data = writeGeneration(folder, file, content);
            Files.createSymbolicLink(folder.resolve("..data"), data.getFileName());
            Files.createSymbolicLink(folder.resolve(file), Path.of("..data").resolve(file));
            return folder.resolve(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The kubelet's rotation: a new generation, {@code ..data} swapped to it atomically, the old one removed. */
    public static void rotate(Path folder, String file, String content) {
        try {
            Path previous = folder.resolve(Files.readSymbolicLink(folder.resolve("..data")));
            Path data = writeGeneration(folder, file, content);
            Path swap = folder.resolve("..data_tmp");
            Files.deleteIfExists(swap);
            Files.createSymbolicLink(swap, data.getFileName());
            Files.move(swap, folder.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
            delete(previous);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the projected file and its generations (a volume that is gone), leaving the folder. */
    public static void remove(Path folder) {
        try (Stream<Path> entries = Files.list(folder)) {
            for (Path entry : entries.toList()) {
                delete(entry);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path writeGeneration(Path folder, String file, String content) throws IOException {
        Path data = Files.createDirectory(folder.resolve("..2026_11_16_12_00_00." + GENERATION.incrementAndGet()));
        Files.writeString(data.resolve(file), content);
        return data;
    }

    private static void delete(Path path) throws IOException {
        if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> entries = Files.list(path)) {
                for (Path entry : entries.toList()) {
                    delete(entry);
                }
            }
        }
        Files.deleteIfExists(path);
    }
}
