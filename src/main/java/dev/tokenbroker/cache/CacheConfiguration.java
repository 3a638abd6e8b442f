package dev.tokenbroker.cache;

import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.iam.IamTokenProvider;
import dev.tokenbroker.vault.SecretRepository;
import java.time.Clock;
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
            CacheProperties properties,
            Clock clock) {
        return new CredentialIssuer(registry, secrets, iam, properties, clock);
    }

    @Bean
    RefreshScheduler refreshScheduler(CredentialIssuer issuer, CacheProperties properties) {
        return new RefreshScheduler(issuer, properties);
    }

    /** Checks every cache for due refreshes each {@code scan-interval}, off the event loop. */
    static final class RefreshScheduler implements DisposableBean {

        private final Disposable ticks;

        RefreshScheduler(CredentialIssuer issuer, CacheProperties properties) {
            this.ticks = Flux.interval(properties.scanInterval(), Schedulers.parallel())
                    .onBackpressureDrop()
                    .subscribe(tick -> issuer.caches().forEach(TokenCache::refreshDue));
        }

        @Override
        public void destroy() {
            ticks.dispose();
        }
    }
}
