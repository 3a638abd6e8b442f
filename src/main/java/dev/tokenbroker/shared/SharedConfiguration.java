package dev.tokenbroker.shared;

import dev.tokenbroker.vault.SecretRepository;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/** The shared tier when {@code tokenbroker.shared.enabled}, over Boot's Redis connection; else one that mints. */
@Configuration(proxyBeanMethods = false)
class SharedConfiguration {

    @Bean
    SharedTier sharedTier(
            SharedTierProperties properties,
            ObjectProvider<ReactiveStringRedisTemplate> redis,
            SecretRepository secrets,
            Clock clock,
            MeterRegistry meters) {
        return properties.enabled()
                ? SharedTier.over(redis.getObject(), properties, secrets, clock, meters)
                : SharedTier.disabled();
    }

    /**
     * Reconnects after a Redis outage within a second or so, not Lettuce's default backoff of up to 30 s: the tier
     * should rejoin by itself, soon.
     */
    @Bean
    ClientResourcesBuilderCustomizer sharedTierReconnectDelay() {
        return resources -> resources.reconnectDelay(
                Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS));
    }
}
