package dev.tokenbroker.shared;

import dev.tokenbroker.iam.IamProperties;
import dev.tokenbroker.support.Upstream;
import dev.tokenbroker.support.UpstreamBudget;
import dev.tokenbroker.vault.SecretRepository;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * The shared tier when {@code tokenbroker.shared.enabled}, over Boot's Redis connection (a single server, Sentinel or
 * Cluster, by {@code spring.data.redis.*} alone); else one that mints. The IAM call budget, in Redis or in the replica.
 */
@Configuration(proxyBeanMethods = false)
class SharedConfiguration {

    // Cluster topology refresh when spring.data.redis.lettuce.cluster.refresh.period is not set.
    private static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(30);

    @Bean
    @ConditionalOnBooleanProperty(name = "tokenbroker.shared.enabled", havingValue = false, matchIfMissing = true)
    SharedTier sharedTier() {
        return SharedTier.disabled();
    }

    /** {@code tokenbroker.iam.max-calls-per-second}: cluster-wide with the tier on, per replica otherwise. */
    @Bean
    UpstreamBudget iamBudget(SharedTier shared, IamProperties iam, MeterRegistry meters) {
        return shared.budget(Upstream.IAM, iam.maxCallsPerSecond(), iam.http().maxRetryAfter(), meters);
    }

    /**
     * Runs after the context has started and before the replica reports ready (Boot publishes readiness after the
     * runners): the connection to Redis is made and the encryption key read, at most {@code ready-timeout}, so that
     * the cold burst that hits replicas started together finds every one of them able to share.
     */
    @Bean
    ApplicationRunner sharedTierReady(SharedTier shared, SharedTierProperties properties) {
        return arguments -> shared.awaitReady(properties.readyTimeout());
    }

    /**
     * Read only when the tier is on, so that its bean methods' Redis and Lettuce types load only then (a sidecar with
     * the tier off loads none: {@code deploy.SidecarClassesIntegrationTests}); their auto-configuration is left out
     * too ({@code dev.tokenbroker.UnusedAutoConfigurations}).
     */
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
            return SharedTier.over(new RedisLink(redis, properties, clock), properties, secrets, clock, meters);
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

        /**
         * Commands are refused at once while the connection is down (not queued until it is back): a lookup then goes on
         * without Redis at once. With a Redis Cluster, the topology is refreshed periodically and on Lettuce's adaptive
         * triggers (a MOVED redirect, reconnect attempts), and nodes the cluster marks failed are left out of it: after
         * a primary dies, its replica takes over within the cluster's node timeout, Lettuce learns it at once, and the
         * connection to the dead node is closed instead of being reconnected every few seconds for as long as it stays
         * dead (a WARN each time). The refresh's own attempt to reach every node the cluster lists is not logged
         * ({@code application.yaml}). Honours Boot's {@code spring.data.redis.lettuce.cluster.refresh.*}.
         */
        @Bean
        LettuceClientOptionsBuilderCustomizer sharedTierClientOptions(DataRedisProperties redis) {
            return options -> {
                options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
                if (options instanceof ClusterClientOptions.Builder cluster) {
                    DataRedisProperties.Lettuce.Cluster.Refresh refresh =
                            redis.getLettuce().getCluster().getRefresh();
                    cluster.topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                    .dynamicRefreshSources(refresh.isDynamicRefreshSources())
                                    .enablePeriodicRefresh(
                                            refresh.getPeriod() != null ? refresh.getPeriod() : TOPOLOGY_REFRESH)
                                    .enableAllAdaptiveRefreshTriggers()
                                    .closeStaleConnections(true)
                                    .build())
                            .nodeFilter(OverRedis::alive);
                }
            };
        }

        private static boolean alive(RedisClusterNode node) {
            return !(node.is(RedisClusterNode.NodeFlag.FAIL)
                    || node.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL)
                    || node.is(RedisClusterNode.NodeFlag.NOADDR));
        }
    }
}
