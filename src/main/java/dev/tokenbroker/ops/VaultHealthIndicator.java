package dev.tokenbroker.ops;

import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.cache.PendingRotation;
import dev.tokenbroker.vault.SecretRepository;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * {@code vault}: {@code DOWN} while the secret store cannot be reached; {@link HealthStatuses#RESTRICTED} while a new
 * master-key version waits for its first successful mint after a failed one (the version in service keeps serving);
 * {@code UP} otherwise. Each pending rotation is a sub-component in the details, named after its secret:
 * {@code DOWN} once a proof of the new version failed ({@code lastError}, {@code failedAttempts}, {@code nextAttempt}),
 * {@code UNKNOWN} before its first proof, with {@code servingVersion} and {@code newVersion}.
 *
 * <p>Part of the readiness group: a replica that cannot read master keys should get no new callers, though it keeps
 * serving what it has cached. A refused rotation does not make readiness fail: the probe groups rank
 * {@code RESTRICTED} below {@code UP} ({@code management.endpoint.health.group.readiness.status.order}).
 */
@Component("vault")
class VaultHealthIndicator implements ReactiveHealthIndicator {

    private final SecretRepository secrets;
    private final CredentialIssuer issuer;

    VaultHealthIndicator(SecretRepository secrets, CredentialIssuer issuer) {
        this.secrets = secrets;
        this.issuer = issuer;
    }

    @Override
    public Mono<Health> health() {
        List<PendingRotation> pending = issuer.pendingRotations();
        Map<String, Object> rotations = new TreeMap<>();
        pending.forEach(rotation -> rotations.put(rotation.secret(), component(rotation)));
        boolean refused = pending.stream().anyMatch(rotation -> rotation.failedAttempts() > 0);
        Status status = !secrets.reachable() ? Status.DOWN : refused ? HealthStatuses.RESTRICTED : Status.UP;
        return Mono.just(Health.status(status).withDetails(rotations).build());
    }

    private static Map<String, Object> component(PendingRotation rotation) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("servingVersion", rotation.servingVersion());
        details.put("newVersion", rotation.newVersion());
        details.put("failedAttempts", rotation.failedAttempts());
        if (rotation.lastError() != null) {
            details.put("lastError", rotation.lastError());
        }
        details.put("nextAttempt", rotation.nextAttempt().toString());
        return HealthStatuses.component(rotation.failedAttempts() > 0 ? Status.DOWN : Status.UNKNOWN, details);
    }
}
