package dev.tokenbroker.sink;

import static dev.tokenbroker.sink.TestTokens.JSON;
import static dev.tokenbroker.sink.TestTokens.target;
import static dev.tokenbroker.sink.TestTokens.token;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.iam.IamToken;
import dev.tokenbroker.testing.MutableClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

class FileSinkWriterTests {

    private static final int REFRESHES = 1_000;
    private static final Instant START = Instant.parse("2026-11-23T12:00:00Z");

    private final MutableClock clock = new MutableClock(START);

    @TempDir
    Path folder;

    @Test
    void writeWhenRawThenFileHoldsTheAccessTokenOnlyWithMode0600() throws IOException {
        Path file = folder.resolve("wml-prod.token");
        FileSinkWriter writer = new FileSinkWriter(target("wml-prod", file, SinkFormat.RAW), JSON, clock);

        writer.write(token(1, START)).block(Duration.ofSeconds(10));

        assertThat(Files.readAllBytes(file))
                .isEqualTo(token(1, START).accessToken().reveal().getBytes(StandardCharsets.UTF_8));
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(writer.written()).isTrue();
        assertThat(writer.writtenExpiresAt()).contains(START.plusSeconds(3600));
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void writeWhenJsonThenFileHoldsTheApiResponseBodyWithMode0600() throws IOException {
        Path file = folder.resolve("wml-prod.json");
        FileSinkWriter writer = new FileSinkWriter(target("wml-prod", file, SinkFormat.JSON), JSON, clock);
        clock.advance(Duration.ofSeconds(600));

        writer.write(token(7, START)).block(Duration.ofSeconds(10));

        JsonNode body = JSON.readTree(Files.readString(file));
        assertThat(body.propertyNames())
                .containsExactly("access_token", "token_type", "expires_in", "expiration", "credential");
        assertThat(body.get("access_token").asString())
                .isEqualTo(token(7, START).accessToken().reveal());
        assertThat(body.get("token_type").asString()).isEqualTo("Bearer");
        assertThat(body.get("expires_in").asLong()).isEqualTo(3000);
        assertThat(body.get("expiration").asLong())
                .isEqualTo(START.plusSeconds(3600).getEpochSecond());
        assertThat(body.get("credential").asString()).isEqualTo("wml-prod");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void writeWhenFileExistsWithWiderModeThenReplacedFileHasMode0600() throws IOException {
        Path file = folder.resolve("wml-prod.token");
        Files.writeString(file, "old");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        FileSinkWriter writer = new FileSinkWriter(target("wml-prod", file, SinkFormat.RAW), JSON, clock);

        writer.write(token(2, START)).block(Duration.ofSeconds(10));

        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(file))
                .isEqualTo(token(2, START).accessToken().reveal());
    }

    @Test
    void writeWhenTokenIssuedBeforeTheOneOnDiskThenFileKeepsTheNewerToken() throws IOException {
        Path file = folder.resolve("wml-prod.token");
        FileSinkWriter writer = new FileSinkWriter(target("wml-prod", file, SinkFormat.RAW), JSON, clock);
        writer.write(token(2, START.plusSeconds(10))).block(Duration.ofSeconds(10));

        writer.write(token(1, START)).block(Duration.ofSeconds(10));

        assertThat(Files.readString(file))
                .isEqualTo(token(2, START).accessToken().reveal());
    }

    @Test
    void writeWhenFolderVanishedThenErrorNamesThePathButNoToken() throws IOException {
        Path gone = Files.createDirectory(folder.resolve("gone"));
        FileSinkWriter writer = new FileSinkWriter(target("wml-prod", gone.resolve("t"), SinkFormat.RAW), JSON, clock);
        Files.delete(gone);

        Throwable failure = writer.write(token(3, START))
                .then(Mono.<Throwable>empty())
                .onErrorResume(Mono::just)
                .block(Duration.ofSeconds(10));

        assertThat(failure).isInstanceOf(UncheckedIOException.class).hasMessageContaining(gone.toString());
        assertThat(failure.getMessage()).doesNotContain("TOKENCANARY");
        assertThat(writer.written()).isFalse();
        assertThat(writer.lastError())
                .hasValueSatisfying(error -> assertThat(error).doesNotContain("TOKENCANARY"));
    }

    @Test
    void writeWhenReaderPollsDuringThousandRawRefreshesThenEveryReadIsAWholeMintedToken() throws Exception {
        Path file = folder.resolve("wml-prod.token");
        FileSinkWriter writer = new FileSinkWriter(target("wml-prod", file, SinkFormat.RAW), JSON, clock);
        Set<String> minted = ConcurrentHashMap.newKeySet();

        Reads reads = pollWhileRefreshing(writer, file, minted, minted::contains);

        assertThat(reads.bad()).isEmpty();
        assertThat(reads.count()).isPositive();
        assertThat(reads.distinct()).isGreaterThan(1);
        assertThat(Files.readString(file))
                .isEqualTo(token(REFRESHES - 1, START).accessToken().reveal());
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void writeWhenReaderPollsDuringThousandJsonRefreshesThenEveryReadParsesAndHoldsAMintedToken() throws Exception {
        Path file = folder.resolve("wml-prod.json");
        FileSinkWriter writer = new FileSinkWriter(target("wml-prod", file, SinkFormat.JSON), JSON, clock);
        Set<String> minted = ConcurrentHashMap.newKeySet();

        Reads reads = pollWhileRefreshing(writer, file, minted, content -> {
            try {
                return minted.contains(
                        JSON.readTree(content).get("access_token").asString());
            } catch (RuntimeException e) {
                return false;
            }
        });

        assertThat(reads.bad()).isEmpty();
        assertThat(reads.count()).isPositive();
        assertThat(reads.distinct()).isGreaterThan(1);
        assertThat(leftovers()).isEmpty();
    }

    // Writes REFRESHES distinct tokens, one after another like refreshes do, while another thread reads the file as
    // fast as it can and checks every read.
    private Reads pollWhileRefreshing(FileSinkWriter writer, Path file, Set<String> minted, Predicate<String> whole)
            throws Exception {
        IamToken first = token(0, START);
        minted.add(first.accessToken().reveal());
        writer.writeNow(first);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger count = new AtomicInteger();
        List<String> bad = new CopyOnWriteArrayList<>();
        Set<String> distinct = ConcurrentHashMap.newKeySet();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                String content = read(file);
                count.incrementAndGet();
                distinct.add(content);
                if (content.isEmpty() || !whole.test(content)) {
                    bad.add(content.length() + " chars: " + content.substring(0, Math.min(40, content.length())));
                }
            }
        });
        reader.start();

        for (int i = 1; i < REFRESHES; i++) {
            IamToken fresh = token(i, START);
            minted.add(fresh.accessToken().reveal());
            writer.writeNow(fresh);
        }
        done.set(true);
        reader.join(Duration.ofSeconds(30).toMillis());

        assertThat(reader.isAlive()).isFalse();
        return new Reads(count.get(), List.copyOf(bad), distinct.size());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(path -> path.getFileName().toString().endsWith(".tmp"))
                    .toList();
        }
    }

    private record Reads(int count, List<String> bad, int distinct) {}
}
