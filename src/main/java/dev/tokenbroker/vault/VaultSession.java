package dev.tokenbroker.vault;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.vault.authentication.ReactiveLifecycleAwareSessionManager;
import org.springframework.vault.authentication.ReactiveSessionManager;
import org.springframework.vault.support.VaultToken;
import reactor.core.publisher.Mono;

/**
 * The broker's Vault login: Spring Vault's {@link ReactiveLifecycleAwareSessionManager} (one login shared by all
 * requests, renewed before it expires, re-acquired when renewal fails), plus one thing it lacks. Spring Vault 4.0
 * caches a failed login attempt for good (spring-cloud-vault#940), so after a failed login, or when Vault answers
 * 403 to a valid-looking token (revoked, expired while Vault was away), the session manager is replaced by a fresh
 * one and the next request logs in again. Thread-safe.
 */
final class VaultSession implements ReactiveSessionManager, DisposableBean {

    private final Supplier<ReactiveLifecycleAwareSessionManager> sessions;
    private final AtomicReference<ReactiveLifecycleAwareSessionManager> current;

    VaultSession(Supplier<ReactiveLifecycleAwareSessionManager> sessions) {
        this.sessions = sessions;
        this.current = new AtomicReference<>(sessions.get());
    }

    @Override
    public Mono<VaultToken> getVaultToken() {
        ReactiveLifecycleAwareSessionManager session = current.get();
        return session.getVaultToken().doOnError(failure -> replace(session));
    }

    /** Forgets the current login; the next request logs in again. */
    void reset() {
        replace(current.get());
    }

    @Override
    public void destroy() {
        // Revokes a token we obtained by logging in (AppRole, Kubernetes); a given token is left alone.
        current.get().destroy();
    }

    private void replace(ReactiveLifecycleAwareSessionManager failed) {
        // The dropped manager is not destroyed: that would block on revoking a token Vault no longer accepts.
        current.compareAndSet(failed, sessions.get());
    }
}
