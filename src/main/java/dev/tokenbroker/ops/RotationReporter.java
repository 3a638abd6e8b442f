package dev.tokenbroker.ops;

import dev.tokenbroker.audit.AuditLog;
import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.cache.PendingRotation;
import dev.tokenbroker.cache.RotationListener;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Objects;

// Master-key rotations as meters and audit lines: tokenbroker.vault.rotations (secret, outcome) counts versions put in
// service and versions refused, tokenbroker.vault.rotation.pending (secret) is 1 while a new version waits for its
// proof. Every meter exists from the start for every secret a credential names.
final class RotationReporter implements RotationListener {

    static final String ROTATIONS = "tokenbroker.vault.rotations";
    static final String PENDING = "tokenbroker.vault.rotation.pending";

    private final MeterRegistry meters;
    private final CredentialRegistry registry;
    private final AuditLog audit;

    RotationReporter(MeterRegistry meters, CredentialRegistry registry, CredentialIssuer issuer, AuditLog audit) {
        this.meters = meters;
        this.registry = registry;
        this.audit = audit;
        // Every secret a credential names (an iam-trusted-profile credential names none).
        registry.all().stream()
                .map(Credential::secret)
                .filter(Objects::nonNull)
                .distinct()
                .forEach(secret -> {
                    counter(secret, "rotated");
                    counter(secret, "refused");
                    Gauge.builder(PENDING, issuer, pending -> isPending(pending.pendingRotations(), secret))
                            .description("1 while a new master-key version waits for its first successful mint, else 0")
                            .tag("secret", secret)
                            .register(meters);
                });
    }

    @Override
    public void rotated(String secret, String version) {
        counter(secret, "rotated").increment();
        users(secret).forEach(credential -> audit.rotation(credential, "rotated", 200, null, version));
    }

    @Override
    public void refused(String secret, String version, String error) {
        counter(secret, "refused").increment();
        users(secret).forEach(credential -> audit.rotation(credential, "refused", 502, error, version));
    }

    private Counter counter(String secret, String outcome) {
        return Counter.builder(ROTATIONS)
                .description("New master-key versions put in service (rotated) or refused at their first mint")
                .tag("secret", secret)
                .tag("outcome", outcome)
                .register(meters);
    }

    private List<String> users(String secret) {
        return registry.all().stream()
                .filter(credential -> secret.equals(credential.secret()))
                .map(Credential::name)
                .toList();
    }

    private static double isPending(List<PendingRotation> pending, String secret) {
        return pending.stream().anyMatch(rotation -> rotation.secret().equals(secret)) ? 1 : 0;
    }
}
