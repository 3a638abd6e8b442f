package dev.tokenbroker.shared;

import dev.tokenbroker.vault.SecretRepository;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * The shared tier when {@code tokenbroker.shared.enabled}, over Boot's Redis connection; else one that mints. Off, no
 * Redis or Lettuce class is loaded: their auto-configuration is left out too
 * ({@code dev.tokenbroker.UnusedAutoConfigurations}).
 */
@Configuration(proxyBeanMethods = false)
class SharedConfiguration {

    @Bean
    @ConditionalOnBooleanProperty(name = "tokenbroker.shared.enabled", havingValue = false, matchIfMissing = true)
    SharedTier sharedTier() {
        return SharedTier.disabled();
    }

    /** Read only when the property is on, so that its bean methods' Redis and Lettuce types load only then. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty("tokenbroker.shared.enabled")
    static class OverRedis {

        @Bean
        SharedTier sharedTier(
                SharedTierProperties properties,
                ReactiveStringRedisTemplate redis,
                SecretRepository secrets,
                Clock clock,
                MeterRegistry meters) {
            return SharedTier.over(new RedisCommands(redis), properties, secrets, clock, meters);
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
}
