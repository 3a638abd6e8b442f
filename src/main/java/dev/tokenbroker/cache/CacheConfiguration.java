package dev.tokenbroker.cache;

import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.iam.IamTokenProvider;
import dev.tokenbroker.iot.IotKeyProvider;
import dev.tokenbroker.vault.SecretRepository;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** Wires the issuer and the background refresher. */
@Configuration(proxyBeanMethods = false)
class CacheConfiguration {

    @Bean
    CredentialIssuer credentialIssuer(
            CredentialRegistry registry,
            SecretRepository secrets,
            IamTokenProvider iam,
            IotKeyProvider iot,
            CacheProperties properties,
            Clock clock) {
        return new CredentialIssuer(registry, secrets, iam, iot, properties, clock);
    }

    @Bean
    RefreshScheduler refreshScheduler(CredentialIssuer issuer, CacheProperties properties) {
        return new RefreshScheduler(issuer, properties);
    }

    /** Checks every cache for due refreshes each {@code scan-interval}, off the event loop. */
    static final class RefreshScheduler implements DisposableBean {

        private static final Logger log = LoggerFactory.getLogger(RefreshScheduler.class);

        private final Disposable ticks;

        RefreshScheduler(CredentialIssuer issuer, CacheProperties properties) {
            // boundedElastic, not parallel: Caffeine's cleanUp() may wait on the cache's eviction lock.
            this.ticks = Flux.interval(properties.scanInterval(), Schedulers.boundedElastic())
                    .onBackpressureDrop()
                    .subscribe(tick -> issuer.caches().forEach(RefreshScheduler::scan));
        }

        @Override
        public void destroy() {
            ticks.dispose();
        }

        // One failing scan must not end the ticks.
        private static void scan(TokenCache<?> cache) {
            try {
                cache.refreshDue();
            } catch (RuntimeException failure) {
                log.error(
                        "Scanning the {} cache failed: {}",
                        cache.kind(),
                        failure.getClass().getName());
            }
        }
    }
}
