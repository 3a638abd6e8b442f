package dev.tokenbroker.sink;

import dev.tokenbroker.audit.AuditLog;
import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.iam.IamToken;
import dev.tokenbroker.problem.SecretNotFoundException;
import dev.tokenbroker.problem.UpstreamException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Keeps every configured sink file holding a valid token (DESIGN §6). On start, each sink's credential is
 * {@linkplain CredentialIssuer#keepWarm(Credential) kept warm}, so the cache refreshes it ahead whether or not anyone
 * calls the API, and every token the cache mints for it is written to the file. The first token is asked for at once
 * and retried with backoff (1 s doubling to 30 s, with jitter) while the upstream or the vault is down; every
 * {@code tokenbroker.sink-check-interval} each sink checks that its credential is still cached and asks again if it
 * is not (expired after failed refreshes, evicted, or dropped by a master-key rotation).
 *
 * <p>Every token written is audited as issued to the caller {@code sink:PATH} (grant {@code iam-token}): sinks do not
 * go through caller policy, since whoever configures them configures the broker.
 *
 * <p>Never blocks start-up: until a sink's first write the {@code sinks} health indicator is down, which keeps the
 * startup and readiness probes down. Thread-safe.
 */
public final class FileSinks implements SmartLifecycle {

    /** The least validity a token written to a file has: a reader gets at least a minute out of it. */
    static final Duration MIN_VALID = Duration.ofSeconds(60);

    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(FileSinks.class);

    private final List<FileSinkWriter> writers;
    private final CredentialIssuer issuer;
    private final Duration checkInterval;
    private final AuditLog audit;
    private volatile Disposable.Composite running;

    FileSinks(List<FileSinkWriter> writers, CredentialIssuer issuer, Duration checkInterval, AuditLog audit) {
        this.writers = List.copyOf(writers);
        this.issuer = issuer;
        this.checkInterval = checkInterval;
        this.audit = audit;
    }

    /** Every sink, in configuration order. */
    public List<FileSinkWriter> writers() {
        return writers;
    }

    /** Whether every sink has been written at least once (true when there are none). */
    public boolean allWritten() {
        return writers.stream().allMatch(FileSinkWriter::written);
    }

    @Override
    public synchronized void start() {
        if (running != null) {
            return;
        }
        Disposable.Composite subscriptions = Disposables.composite();
        for (FileSinkWriter writer : writers) {
            Credential credential = writer.target().credential();
            issuer.keepWarm(credential);
            subscriptions.add(issuer.iamTokenMints(credential)
                    .concatMap(token -> write(writer, token).onErrorResume(UncheckedIOException.class, failure -> {
                        log.warn("Could not rewrite {}: {}", writer.path(), failure.getMessage());
                        return Mono.empty();
                    }))
                    .subscribe());
            subscriptions.add(Flux.interval(Duration.ZERO, checkInterval)
                    .onBackpressureDrop()
                    .concatMap(tick -> ensureWritten(writer, credential), 1)
                    .subscribe());
        }
        running = subscriptions;
    }

    @Override
    public synchronized void stop() {
        if (running != null) {
            running.dispose();
            running = null;
        }
    }

    @Override
    public boolean isRunning() {
        return running != null;
    }

    // Mints (through the cache) when the file was never written or the cache lost the credential; the mint is
    // announced to the listener above, and written here as well in case the cache already held it.
    private Mono<Void> ensureWritten(FileSinkWriter writer, Credential credential) {
        return Mono.defer(() -> writer.written() && issuer.holdsIamToken(credential)
                        ? Mono.<Void>empty()
                        : issuer.iamToken(credential, MIN_VALID).flatMap(token -> write(writer, token)))
                .doOnError(failure -> {
                    String error = describe(failure);
                    writer.failed(error);
                    log.warn("No token to write to {}, retrying: {}", writer.path(), error);
                })
                .retryWhen(Retry.backoff(Long.MAX_VALUE, FIRST_BACKOFF).maxBackoff(MAX_BACKOFF));
    }

    private Mono<Void> write(FileSinkWriter writer, IamToken token) {
        return writer.write(token)
                .filter(Boolean::booleanValue)
                .doOnNext(written -> audit.issued(
                        null, "sink:" + writer.path(), writer.credential(), "iam-token", token.accessToken()))
                .then();
    }

    private static String describe(Throwable failure) {
        if (failure instanceof UpstreamException || failure instanceof UncheckedIOException) {
            return failure.getMessage();
        }
        if (failure instanceof SecretNotFoundException) {
            return "master key not found in the vault";
        }
        return failure.getClass().getSimpleName();
    }
}
