package dev.tokenbroker.audit;

import dev.tokenbroker.support.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executor;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Writes audit lines for the {@code AUDIT} logger, through one {@link AuditJournal}: an issuance's line is written
 * ({@code write(2)} returned) before the {@link Mono} that {@link #issued(String, String, String, String, int, String,
 * Executor)} gives completes, so that a credential is never sent before its line; lines of concurrent requests go out
 * in one write. Refusals and other lines are queued in the same order without anyone waiting for them. Listeners
 * ({@link AuditListener}, e.g. request meters) hear of each line once it is recorded. Fingerprints are HMAC-SHA256
 * with the deployment's salt, first 16 hex, as Vault's audit devices do: the same credential always gives the same
 * fingerprint, and the fingerprint gives nothing of the credential. A level below INFO on the {@code AUDIT} logger
 * turns lines off. Thread-safe.
 */
@Component
public final class AuditLog implements DisposableBean {

    private static final Logger audit = LoggerFactory.getLogger("AUDIT");
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);

    private final SecretKeySpec key;
    private final Clock clock;
    private final List<AuditListener> listeners;
    private final AuditJournal journal;

    AuditLog(AuditProperties properties, Clock clock, ObjectProvider<AuditListener> listeners) {
        this.clock = clock;
        this.listeners = listeners.orderedStream().toList();
        this.journal =
                new AuditJournal(output(properties), properties.queueCapacity().toBytes());
        byte[] salt;
        if (properties.salt() == null || properties.salt().isBlank()) {
            salt = new byte[32];
            new SecureRandom().nextBytes(salt);
            log.warn("tokenbroker.audit.salt is not set: audit fingerprints use a random salt and cannot be compared "
                    + "across restarts or replicas");
        } else {
            salt = properties.salt().getBytes(StandardCharsets.UTF_8);
        }
        this.key = new SecretKeySpec(salt, "HmacSHA256");
    }

    private static AuditOutput output(AuditProperties properties) {
        if (properties.stdout() == AuditProperties.Stdout.JSON_LINES) {
            return AuditOutput.jsonLines();
        }
        if (audit instanceof ch.qos.logback.classic.Logger logback) {
            return AuditOutput.pattern(logback);
        }
        // Logging that is not logback's: the AUDIT logger writes as that configuration says.
        return lines -> {
            lines.forEach(line -> audit.info(line.json()));
            return true;
        };
    }

    /**
     * Records an issuance, by the fingerprint taken when it was issued, that is about to be answered with
     * {@code status}.
     *
     * @param resumeOn where the returned {@link Mono} completes (the request's event loop); null: anywhere
     * @return completes once the line is written; {@link dev.tokenbroker.problem.AuditUnavailableException} when it
     *     cannot be, and the credential must not be sent
     */
    public Mono<Void> issued(
            String requestId,
            String caller,
            String credential,
            String grant,
            int status,
            String fingerprint,
            Executor resumeOn) {
        AuditEvent event = new AuditEvent(
                clock.instant(), requestId, caller, credential, grant, "issued", status, null, fingerprint);
        if (!audit.isInfoEnabled()) {
            notifyListeners(event);
            return Mono.empty();
        }
        return journal.awaited(queued(event), resumeOn).doOnSuccess(written -> notifyListeners(event));
    }

    /** Records a credential written somewhere other than a caller's answer (a file sink); nobody waits for it. */
    public void issued(String requestId, String caller, String credential, String grant, Secret issued) {
        record(new AuditEvent(
                clock.instant(), requestId, caller, credential, grant, "issued", 200, null, fingerprint(issued)));
    }

    /** Records a request whose connection closed (or timed out) before anything was answered: it has no status. */
    public void aborted(String requestId, String caller, String credential, String grant, String reason) {
        record(new AuditEvent(clock.instant(), requestId, caller, credential, grant, "aborted", null, reason, null));
    }

    /**
     * Records a refusal that is about to be answered: the returned {@link Mono} completes once the line is written (so
     * the answer follows its line, as an issuance's does) or, should it not be written, all the same (a refusal is
     * answered whatever the audit log does; the line is counted as dropped).
     *
     * @param resumeOn where the returned {@link Mono} completes (the request's event loop); null: anywhere
     */
    public Mono<Void> refused(
            String requestId,
            String caller,
            String credential,
            String grant,
            int status,
            String reason,
            Executor resumeOn) {
        AuditEvent event =
                new AuditEvent(clock.instant(), requestId, caller, credential, grant, "refused", status, reason, null);
        notifyListeners(event);
        if (!audit.isInfoEnabled()) {
            return Mono.empty();
        }
        return journal.awaited(queued(event), resumeOn).onErrorResume(unwritten -> {
            journal.countDropped();
            return Mono.empty();
        });
    }

    /** Records a refusal nobody waits for (the request is over). */
    public void refused(String requestId, String caller, String credential, String grant, int status, String reason) {
        record(new AuditEvent(clock.instant(), requestId, caller, credential, grant, "refused", status, reason, null));
    }

    /**
     * Records the outcome of a new master-key version's first mint: {@code rotated} (in service now) or
     * {@code refused} (the version in service keeps serving). The caller is the broker itself; the fingerprint is the
     * version's opaque id.
     */
    public void rotation(String credential, String outcome, int status, String reason, String version) {
        record(new AuditEvent(
                clock.instant(),
                null,
                "token-broker",
                credential,
                "master-key-rotation",
                outcome,
                status,
                reason,
                version));
    }

    /** The fingerprint of a secret: first 16 hex of HMAC-SHA256(salt, value). */
    public String fingerprint(Secret value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] digest = mac.doFinal(value.reveal().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Lines nobody waited for (refusals) that were dropped because the queue was full. */
    public long droppedLines() {
        return journal.dropped();
    }

    /** Writes every audit line still queued before the context goes. */
    @Override
    public void destroy() {
        journal.close();
    }

    private void record(AuditEvent event) {
        if (audit.isInfoEnabled()) {
            journal.append(queued(event));
        }
        notifyListeners(event);
    }

    private static QueuedLine queued(AuditEvent event) {
        return new QueuedLine(
                AuditLine.json(event),
                System.currentTimeMillis(),
                Thread.currentThread().getName());
    }

    private void notifyListeners(AuditEvent event) {
        for (AuditListener listener : listeners) {
            listener.onEvent(event);
        }
    }
}
