package dev.tokenbroker.ops;

import dev.tokenbroker.vault.SecretRepository;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * {@code vault}: down while the secret store cannot be reached. Part of the readiness group: a replica that cannot
 * read master keys should get no new callers, though it keeps serving what it has cached.
 */
@Component("vault")
class VaultHealthIndicator implements ReactiveHealthIndicator {

    private final SecretRepository secrets;

    VaultHealthIndicator(SecretRepository secrets) {
        this.secrets = secrets;
    }

    @Override
    public Mono<Health> health() {
        return Mono.just(
                secrets.reachable() ? Health.up().build() : Health.down().build());
    }
}
