package dev.tokenbroker.ops;

import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.cache.PendingRotation;
import dev.tokenbroker.vault.SecretRepository;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * {@code vault}: down while the secret store cannot be reached; lists, as {@code pendingRotations}, new master-key
 * versions that wait for their first successful mint (the version in service keeps serving meanwhile). Part of the readiness group: a replica that cannot
 * read master keys should get no new callers, though it keeps serving what it has cached.
 */
@Component("vault")
class VaultHealthIndicator implements ReactiveHealthIndicator {

    private final SecretRepository secrets;
    private final CredentialIssuer issuer;

    VaultHealthIndicator(SecretRepository secrets, CredentialIssuer issuer) {
        this.secrets = secrets;
        this.issuer = issuer;
    }

    // A new version that cannot mint is a detail, not DOWN: the version in service keeps serving.
    @Override
    public Mono<Health> health() {
        Health.Builder health = secrets.reachable() ? Health.up() : Health.down();
        List<PendingRotation> pending = issuer.pendingRotations();
        if (!pending.isEmpty()) {
            health.withDetail(
                    "pendingRotations",
                    pending.stream().map(VaultHealthIndicator::detail).toList());
        }
        return Mono.just(health.build());
    }

    private static Map<String, Object> detail(PendingRotation rotation) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("secret", rotation.secret());
        detail.put("servingVersion", rotation.servingVersion());
        detail.put("newVersion", rotation.newVersion());
        detail.put("failedAttempts", rotation.failedAttempts());
        if (rotation.lastError() != null) {
            detail.put("lastError", rotation.lastError());
        }
        detail.put("nextAttempt", rotation.nextAttempt().toString());
        return detail;
    }
}
