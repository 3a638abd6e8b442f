package dev.tokenbroker.ops;

import dev.tokenbroker.audit.AuditLog;
import dev.tokenbroker.cache.CacheObserver;
import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.cache.TokenCache;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.vault.SecretRepository;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.observation.ObservationRegistry;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires operations: the {@code tokens} endpoint, the {@code upstreams} health contributor, the {@code process} info
 * contributor, the meters, and the sanitizing of {@code env} / {@code configprops}.
 */
@Configuration(proxyBeanMethods = false)
class OpsConfiguration {

    @Bean
    TokensEndpoint tokensEndpoint(CredentialIssuer issuer, CredentialRegistry registry, Clock clock) {
        return new TokensEndpoint(issuer, registry, clock);
    }

    @Bean("upstreams")
    UpstreamHealthIndicator upstreamHealthIndicator(Clock clock) {
        return new UpstreamHealthIndicator(clock);
    }

    @Bean
    StableProcessInfo stableProcessInfo() {
        return new StableProcessInfo();
    }

    @Bean
    CacheMetrics cacheMetrics(CredentialIssuer issuer, CredentialRegistry registry, Clock clock) {
        return new CacheMetrics(issuer, registry, clock);
    }

    @Bean
    MeterDescriptions meterDescriptions() {
        return new MeterDescriptions();
    }

    @Bean
    RequestMetrics requestMetrics(MeterRegistry meters, CredentialRegistry registry) {
        return new RequestMetrics(meters, registry);
    }

    @Bean
    SmartInitializingSingleton reportRotations(
            MeterRegistry meters, CredentialRegistry registry, CredentialIssuer issuer, AuditLog audit) {
        return () -> issuer.addRotationListener(new RotationReporter(meters, registry, issuer, audit));
    }

    /** {@code tokenbroker.vault.reachable}: 1 while the vault answers, else 0 (what readiness follows). */
    @Bean
    MeterBinder vaultReachable(SecretRepository secrets) {
        return meters -> Gauge.builder("tokenbroker.vault.reachable", secrets, vault -> vault.reachable() ? 1 : 0)
                .description(MeterDescriptions.of("tokenbroker.vault.reachable"))
                .register(meters);
    }

    /**
     * Hooks every cache of the issuer (whatever kinds it holds) to the metrics, the upstream health and the
     * observation registry (cache lookup observations, hence traces when a tracing bridge is present).
     */
    @Bean
    SmartInitializingSingleton observeCaches(
            CredentialIssuer issuer,
            CacheMetrics metrics,
            UpstreamHealthIndicator upstreams,
            ObjectProvider<ObservationRegistry> observations) {
        return () -> {
            CacheObserver observer = new Both(metrics, upstreams);
            ObservationRegistry registry = observations.getIfAvailable(() -> ObservationRegistry.NOOP);
            for (TokenCache<?> cache : issuer.caches()) {
                cache.observe(observer);
                cache.observations(registry);
            }
        };
    }

    /** Masks what can hold a secret in {@code env} and {@code configprops}; see {@link SecretProperties}. */
    @Bean
    SanitizingFunction secretProperties() {
        return new SecretProperties();
    }

    private record Both(CacheObserver first, CacheObserver second) implements CacheObserver {

        @Override
        public void minted(String kind, String credential, Duration took) {
            first.minted(kind, credential, took);
            second.minted(kind, credential, took);
        }

        @Override
        public void mintFailed(String kind, String credential, Duration took, Throwable failure) {
            first.mintFailed(kind, credential, took, failure);
            second.mintFailed(kind, credential, took, failure);
        }

        @Override
        public void refreshed(String kind, String credential, boolean success) {
            first.refreshed(kind, credential, success);
            second.refreshed(kind, credential, success);
        }

        @Override
        public void joined(String kind, String credential) {
            first.joined(kind, credential);
            second.joined(kind, credential);
        }

        @Override
        public void servedStale(String kind, String credential) {
            first.servedStale(kind, credential);
            second.servedStale(kind, credential);
        }

        @Override
        public void hit(String kind, String credential, long nanos) {
            first.hit(kind, credential, nanos);
            second.hit(kind, credential, nanos);
        }
    }
}
