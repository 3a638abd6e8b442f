package dev.tokenbroker.audit;

import dev.tokenbroker.support.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Writes audit lines to the {@code AUDIT} logger (route it to its own appender in production). Fingerprints are
 * HMAC-SHA256 with the deployment's salt, first 16 hex, as Vault's audit devices do: the same credential always
 * gives the same fingerprint, and the fingerprint gives nothing of the credential. Thread-safe.
 */
@Component
public final class AuditLog implements DisposableBean {

    private static final Logger audit = LoggerFactory.getLogger("AUDIT");
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);

    private final SecretKeySpec key;
    private final Clock clock;
    private final List<AuditListener> listeners;
    private final JsonLinesAppender jsonLines;

    AuditLog(AuditProperties properties, Clock clock, ObjectProvider<AuditListener> listeners) {
        this.clock = clock;
        this.listeners = listeners.orderedStream().toList();
        this.jsonLines =
                properties.stdout() == AuditProperties.Stdout.JSON_LINES ? JsonLinesAppender.attach(audit) : null;
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

    /** Records an issuance. */
    public void issued(String requestId, String caller, String credential, String grant, Secret issued) {
        write(new AuditEvent(
                clock.instant(), requestId, caller, credential, grant, "issued", 200, null, fingerprint(issued)));
    }

    /**
     * Records an issuance by the fingerprint taken when it was issued, once it has been answered with {@code status}.
     */
    public void issued(
            String requestId, String caller, String credential, String grant, int status, String fingerprint) {
        write(new AuditEvent(
                clock.instant(), requestId, caller, credential, grant, "issued", status, null, fingerprint));
    }

    /** Records a request whose connection closed (or timed out) before anything was answered: it has no status. */
    public void aborted(String requestId, String caller, String credential, String grant, String reason) {
        write(new AuditEvent(clock.instant(), requestId, caller, credential, grant, "aborted", null, reason, null));
    }

    /** Records a refusal. */
    public void refused(String requestId, String caller, String credential, String grant, int status, String reason) {
        write(new AuditEvent(clock.instant(), requestId, caller, credential, grant, "refused", status, reason, null));
    }

    /**
     * Records the outcome of a new master-key version's first mint: {@code rotated} (in service now) or
     * {@code refused} (the version in service keeps serving). The caller is the broker itself; the fingerprint is the
     * version's opaque id.
     */
    public void rotation(String credential, String outcome, int status, String reason, String version) {
        write(new AuditEvent(
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

    /** Writes every audit line still queued for standard output ({@code json-lines}) before the context goes. */
    @Override
    public void destroy() {
        if (jsonLines != null) {
            jsonLines.detach(audit);
        }
    }

    private void write(AuditEvent event) {
        if (audit.isInfoEnabled()) {
            audit.info(AuditLine.json(event));
        }
        for (AuditListener listener : listeners) {
            listener.onEvent(event);
        }
    }
}
