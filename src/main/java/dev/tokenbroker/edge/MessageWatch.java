package dev.tokenbroker.edge;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits right behind the HTTP codec, so it sees decoded requests and responses before Reactor Netty does. It stops
 * the header deadline when a request head is complete and re-arms it after each complete response; it records the
 * status line each response is actually written with (including the 400 that Reactor Netty writes by itself when a
 * body cannot be decoded), which is what the audit trusts; and it logs a request that cannot be decoded once, at
 * DEBUG, by the kind of failure only (the failure's message may quote the request's bytes).
 */
final class MessageWatch extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(MessageWatch.class);

    private final ExchangeWire wire;

    MessageWatch(ExchangeWire wire) {
        this.wire = wire;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            wire.cancelHeadDeadline();
            wire.awaitingHead = false;
        }
        if (msg instanceof DecoderResultProvider provider
                && provider.decoderResult().isFailure()) {
            // Reactor Netty answers it by itself, on this thread, right after: noted first, so that whoever sees that
            // answer also sees its status.
            wire.status = statusFor(provider.decoderResult().cause());
            logDecodingFailure(ctx, msg, provider.decoderResult());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        // A write on a closed connection reaches nobody.
        if (msg instanceof HttpResponse response
                && response.status().code() >= 200
                && ctx.channel().isActive()) {
            wire.status = response.status().code();
        }
        if (msg instanceof LastHttpContent) {
            wire.awaitingHead = true;
        }
        ctx.write(msg, promise);
    }

    // As Reactor Netty's HttpServerOperations.sendDecodingFailures chooses it.
    private static int statusFor(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG.code();
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE.code();
        }
        return HttpResponseStatus.BAD_REQUEST.code();
    }

    private static void logDecodingFailure(ChannelHandlerContext ctx, Object msg, DecoderResult result) {
        if (log.isDebugEnabled()) {
            log.debug(
                    "Request {} from {} could not be decoded ({}); answered {} and closed",
                    msg instanceof HttpRequest ? "head" : "body",
                    ctx.channel().remoteAddress(),
                    result.cause().getClass().getSimpleName(),
                    statusFor(result.cause()));
        }
    }
}
