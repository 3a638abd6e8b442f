package dev.tokenbroker.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for the processes the tests start and configure by port (brokers, {@code redis-server}s), taken
 * below the kernel's ephemeral range (Linux 32768-60999, macOS 49152-65535). A port picked by binding port 0 comes
 * from that range, and so do the source ports of the test's own outgoing connections: between the pick and the child
 * process's bind, a busy test's connection could take it ("Port … was already in use", seen in CI). Each port is
 * handed out once per JVM and is free when handed out, and so is the port 10,000 above it, which a Redis Cluster node
 * takes for its bus.
 */
public final class LoopbackPorts {

    private static final int FIRST = 10_000;
    private static final int END = 22_000; // a port + 10,000 stays below 32,768 too
    private static final int BUS_OFFSET = 10_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private LoopbackPorts() {}

    /** A free loopback port, this JVM's alone from now on. */
    public static int free() {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(FIRST, END);
            if (bindable(port) && bindable(port + BUS_OFFSET) && HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port between " + FIRST + " and " + END);
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException taken) {
            return false;
        }
    }
}
