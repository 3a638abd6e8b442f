package dev.tokenbroker.edge;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.concurrent.ScheduledFuture;

/**
 * What one connection's handlers know about the request in progress: whether the next bytes begin a request head
 * (and the deadline for it), and the status line last written. The deadline is touched on the connection's event
 * loop only; the status is read from whichever thread completes the exchange, hence volatile.
 */
final class ExchangeWire {

    static final AttributeKey<ExchangeWire> KEY = AttributeKey.valueOf("tokenbroker.exchangeWire");

    /** No status line written yet for the current exchange. */
    static final int NONE = 0;

    boolean awaitingHead = true;
    ScheduledFuture<?> headDeadline;
    volatile int status = NONE;

    static ExchangeWire attach(Channel channel) {
        ExchangeWire wire = new ExchangeWire();
        channel.attr(KEY).set(wire);
        return wire;
    }

    void cancelHeadDeadline() {
        if (headDeadline != null) {
            headDeadline.cancel(false);
            headDeadline = null;
        }
    }
}
