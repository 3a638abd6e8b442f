package dev.tokenbroker.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Redis fixture itself, with the {@code redis-server} that the {@code embedded-redis} test dependency ships (no OS
 * package): a plain server killed and started again on its port, a cluster-enabled node, a replica following its
 * primary, and a sentinel watching that primary: the set-ups the shared-tier tests stand on.
 */
class TestRedisIntegrationTests {

    @Test
    void killWhenStartedAgainThenSamePortAnswersAndHoldsNothing() throws Exception {
        try (TestRedis redis = TestRedis.start()) {
            int port = redis.port();
            redis.commands().set("before", "kill");

            redis.kill();

            assertThat(redis.running()).isFalse();
            assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                    .isInstanceOf(ConnectException.class);
            redis.restart();
            assertThat(redis.port()).isEqualTo(port);
            assertThat(redis.commands().ping()).isEqualTo("PONG");
            assertThat(redis.commands().dbsize()).isZero();
            assertThat(redis.commands().info("server")).contains("redis_version:6.2.");
            assertThat(redis.log()).contains("Ready to accept connections");
        }
    }

    @Test
    void startWhenConfiguredAsClusterNodeThenClusterModeIsOnAndItKeepsItsIdentityAcrossARestart() {
        try (TestRedis node = TestRedis.start(List.of("cluster-enabled yes", "cluster-node-timeout 2000"))) {
            String id = node.commands().clusterMyId();

            node.kill();
            node.restart();

            assertThat(node.commands().info("cluster")).contains("cluster_enabled:1");
            assertThat(node.commands().clusterMyId()).isEqualTo(id);
            assertThat(node.folder().resolve("nodes.conf")).exists();
        }
    }

    @Test
    void replicaAndSentinelWhenStartedThenTheReplicaCopiesThePrimaryAndTheSentinelWatchesIt() {
        try (TestRedis primary = TestRedis.start();
                TestRedis replica = TestRedis.start(List.of("replicaof 127.0.0.1 " + primary.port()));
                TestRedis sentinel =
                        TestRedis.sentinel(List.of("sentinel monitor primary 127.0.0.1 " + primary.port() + " 1"))) {

            primary.commands().set("written", "on the primary");

            await().atMost(Duration.ofSeconds(15))
                    .until(() -> "on the primary".equals(replica.commands().get("written")));
            assertThat(replica.commands().info("replication")).contains("role:slave");
            // A sentinel learns a primary's replicas from its INFO, every 10 s.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> sentinel.commands()
                            .info("sentinel")
                            .contains("name=primary,status=ok,address=127.0.0.1:" + primary.port() + ",slaves=1"));
        }
    }
}
