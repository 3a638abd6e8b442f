package dev.tokenbroker.edge;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits before the HTTP decoder and starts the header deadline on the first byte of each request head; the
 * {@link MessageWatch} behind the decoder stops it when the head is complete. A client that trickles its headers a
 * byte at a time (and so never goes idle) is closed when the deadline passes. Nothing is answered: the request was
 * never read, and the idle-timeout closes silently too.
 */
final class HeadDeadline extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(HeadDeadline.class);

    private final ExchangeWire wire;
    private final long timeoutMillis;

    HeadDeadline(ExchangeWire wire, Duration timeout) {
        this.wire = wire;
        this.timeoutMillis = Math.max(1, timeout.toMillis());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (wire.awaitingHead && wire.headDeadline == null && msg instanceof ByteBuf bytes && bytes.isReadable()) {
            wire.headDeadline = ctx.executor().schedule(() -> expire(ctx), timeoutMillis, TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        wire.cancelHeadDeadline();
        ctx.fireChannelInactive();
    }

    private void expire(ChannelHandlerContext ctx) {
        wire.headDeadline = null;
        if (wire.awaitingHead && ctx.channel().isActive()) {
            log.debug(
                    "Closing a connection from {}: request headers incomplete after {} ms",
                    ctx.channel().remoteAddress(),
                    timeoutMillis);
            ctx.close();
        }
    }
}
