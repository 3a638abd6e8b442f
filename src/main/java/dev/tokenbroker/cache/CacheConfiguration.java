package dev.tokenbroker.cache;

import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.iam.IamTokenProvider;
import dev.tokenbroker.iot.IotKeyProvider;
import dev.tokenbroker.shared.SharedTier;
import dev.tokenbroker.vault.SecretRepository;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
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
            Clock clock,
            SharedTier shared) {
        return new CredentialIssuer(registry, secrets, iam, iot, properties, clock, shared);
    }

    @Bean
    RefreshScheduler refreshScheduler(CredentialIssuer issuer, CacheProperties properties) {
        return new RefreshScheduler(issuer, properties);
    }

    /**
     * Each {@code scan-interval}, off the event loop: checks every cache for due refreshes and retries the proof of
     * new master-key versions whose backoff has passed.
     */
    static final class RefreshScheduler implements SmartLifecycle {

        private static final Logger log = LoggerFactory.getLogger(RefreshScheduler.class);

        private final CredentialIssuer issuer;
        private final CacheProperties properties;
        private volatile Disposable ticks;

        RefreshScheduler(CredentialIssuer issuer, CacheProperties properties) {
            this.issuer = issuer;
            this.properties = properties;
        }

        @Override
        public void start() {
            // boundedElastic, not parallel: Caffeine's cleanUp() may wait on the cache's eviction lock.
            ticks = Flux.interval(properties.scanInterval(), Schedulers.boundedElastic())
                    .onBackpressureDrop()
                    .subscribe(tick -> {
                        issuer.caches().forEach(RefreshScheduler::scan);
                        issuer.proveDue();
                    });
        }

        @Override
        public void stop() {
            Disposable running = ticks;
            ticks = null;
            if (running != null) {
                running.dispose();
            }
        }

        @Override
        public boolean isRunning() {
            return ticks != null;
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
