package dev.tokenbroker.testing;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A Redis Cluster of real {@code redis-server} processes on loopback ({@link TestRedis} nodes with
 * {@code cluster-enabled yes}): {@code primaries} primaries sharing the 16,384 slots evenly, each with
 * {@code replicasEach} replicas, assembled with {@code CLUSTER MEET}, {@code ADDSLOTS} and {@code REPLICATE} as
 * {@code redis-cli --cluster create} does (no redis-cli needed). A node's {@code cluster-node-timeout} is one second,
 * so a replica takes over a dead primary within a few seconds. Close it when done.
 */
public final class TestRedisCluster implements AutoCloseable {

    private static final int SLOTS = 16384;
    private static final Duration FORMED = Duration.ofSeconds(60);

    private final List<TestRedis> nodes;
    private RedisClusterClient client;
    private StatefulRedisClusterConnection<String, String> connection;

    private TestRedisCluster(List<TestRedis> nodes) {
        this.nodes = nodes;
    }

    /** Starts the nodes and forms the cluster; returns once every node says {@code cluster_state:ok}. */
    public static TestRedisCluster start(int primaries, int replicasEach) {
        List<TestRedis> nodes = new ArrayList<>();
        for (int i = 0; i < primaries * (1 + replicasEach); i++) {
            nodes.add(TestRedis.start(List.of("cluster-enabled yes", "cluster-node-timeout 1000")));
        }
        TestRedisCluster cluster = new TestRedisCluster(nodes);
        cluster.form(primaries, replicasEach);
        return cluster;
    }

    /** The value of {@code spring.data.redis.cluster.nodes}: every node, {@code 127.0.0.1:port}, comma-separated. */
    public String nodes() {
        return nodes.stream().map(node -> "127.0.0.1:" + node.port()).collect(Collectors.joining(","));
    }

    /** The node that serves this key's slot now (a primary). */
    public TestRedis primaryOf(String key) {
        int slot = commands().clusterKeyslot(key).intValue();
        RedisClusterNode owner = topology().stream()
                .filter(node -> node.is(RedisClusterNode.NodeFlag.UPSTREAM) && node.hasSlot(slot))
                .filter(node -> !node.is(RedisClusterNode.NodeFlag.FAIL))
                .findFirst()
                .orElseThrow();
        return nodes.stream()
                .filter(node -> node.port() == owner.getUri().getPort())
                .findFirst()
                .orElseThrow();
    }

    /** Whether every slot is served again (after a primary died: its replica has taken over). */
    public boolean healthy() {
        return nodes.stream()
                .filter(TestRedis::running)
                .allMatch(node -> node.commands().clusterInfo().contains("cluster_state:ok"));
    }

    /** A cluster-aware connection, opened on first use. */
    public RedisAdvancedClusterCommands<String, String> commands() {
        if (connection == null) {
            client = RedisClusterClient.create(nodes.stream()
                    .filter(TestRedis::running)
                    .map(node -> RedisURI.create("127.0.0.1", node.port()))
                    .toList());
            connection = client.connect();
        }
        return connection.sync();
    }

    /** Kills every node and deletes their folders. */
    @Override
    public void close() {
        if (connection != null) {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        nodes.forEach(TestRedis::close);
    }

    private List<RedisClusterNode> topology() {
        TestRedis any = nodes.stream().filter(TestRedis::running).findFirst().orElseThrow();
        return ClusterPartitionParser.parse(any.commands().clusterNodes()).getPartitions();
    }

    private void form(int primaries, int replicasEach) {
        TestRedis first = nodes.get(0);
        for (TestRedis node : nodes.subList(1, nodes.size())) {
            first.commands().clusterMeet("127.0.0.1", node.port());
        }
        for (int i = 0; i < primaries; i++) {
            int from = SLOTS * i / primaries;
            int to = SLOTS * (i + 1) / primaries;
            nodes.get(i).commands().clusterAddSlots(IntStream.range(from, to).toArray());
        }
        await().atMost(FORMED)
                .until(() -> nodes.stream()
                        .allMatch(node -> node.commands().clusterNodes().lines().count() == nodes.size()));
        for (int i = 0; i < primaries; i++) {
            String primary = nodes.get(i).commands().clusterMyId();
            for (int r = 0; r < replicasEach; r++) {
                nodes.get(primaries + i * replicasEach + r).commands().clusterReplicate(primary);
            }
        }
        await().atMost(FORMED).until(this::healthy);
        await().atMost(FORMED)
                .until(() -> nodes.subList(primaries, nodes.size()).stream()
                        .allMatch(node -> node.commands().info("replication").contains("master_link_status:up")));
    }
}
