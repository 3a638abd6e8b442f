package dev.tokenbroker.edge;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the open connections of each client address on one server and closes, as soon as it is accepted, a
 * connection that would take an address over the limit. Shared by all connections of that server; thread-safe (an
 * address's count is changed atomically, and dropped when it reaches zero, so the map holds live addresses only).
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);
    private static final AttributeKey<InetAddress> COUNTED = AttributeKey.valueOf("tokenbroker.countedAddress");

    private final int limit;
    private final ConcurrentMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    ConnectionLimiter(int limit) {
        this.limit = limit;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        InetAddress address = address(ctx.channel().remoteAddress());
        if (address == null) {
            ctx.fireChannelActive();
            return;
        }
        int count = open.merge(address, 1, Integer::sum);
        if (count > limit) {
            release(address);
            log.debug("Closing a connection from {}: it already holds {} (the limit)", address.getHostAddress(), limit);
            ctx.close();
            return;
        }
        ctx.channel().attr(COUNTED).set(address);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        InetAddress address = ctx.channel().attr(COUNTED).getAndSet(null);
        if (address != null) {
            release(address);
        }
        ctx.fireChannelInactive();
    }

    private void release(InetAddress address) {
        open.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1);
    }

    private static InetAddress address(SocketAddress remote) {
        return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }
}
