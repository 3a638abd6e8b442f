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
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits right behind the HTTP codec, so it sees decoded requests and responses before Reactor Netty does. It stops
 * the header deadline when a request head is complete and re-arms it after each complete response; it records the
 * status line each response is actually written with (including the 400 that Reactor Netty writes by itself when a
 * body cannot be decoded), which is what the audit trusts; and it logs a request that cannot be decoded once, at
 * DEBUG, by the kind of failure only (the failure's message may quote the request's bytes).
 *
 * <p>It also holds back the end of an answer written while the request's own end has not been read yet, until it
 * has, or until the read that brought the request's head is over. Netty decodes a request without a body (or with a
 * small one) as its head and, right behind it in the same read, its end; a handler that answers at once (a cache hit,
 * a 401, a probe) finishes its answer in between, and Reactor Netty then drops the request's end without stopping the
 * read and request timeouts it started with the head: each such pair of timers kept its request, connection state and
 * headers reachable for the whole read timeout (10 s), about 100 MiB at 10k requests a second. The held end goes out
 * as soon as the request's end has passed, in the same read.
 */
final class MessageWatch extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(MessageWatch.class);

    private final ExchangeWire wire;

    // Event-loop confined: the head of a request without a body is in and its end is not; an answer's end held back
    // meanwhile, and its promise.
    private boolean endPending;
    private Object heldEnd;
    private ChannelPromise heldPromise;

    MessageWatch(ExchangeWire wire) {
        this.wire = wire;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            wire.cancelHeadDeadline();
            wire.awaitingHead = false;
            endPending =
                    !(msg instanceof LastHttpContent) && request.decoderResult().isSuccess();
        }
        if (msg instanceof DecoderResultProvider provider
                && provider.decoderResult().isFailure()) {
            // Reactor Netty answers it by itself, on this thread, right after: noted first, so that whoever sees that
            // answer also sees its status.
            wire.status = statusFor(provider.decoderResult().cause());
            logDecodingFailure(ctx, msg, provider.decoderResult());
        }
        boolean requestEnd = msg instanceof LastHttpContent;
        ctx.fireChannelRead(msg);
        if (requestEnd) {
            endPending = false;
            writeHeldEnd(ctx);
        }
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
            if (endPending && heldEnd == null) {
                heldEnd = msg;
                heldPromise = promise;
                return;
            }
        }
        ctx.write(msg, promise);
    }

    // The end of a request without a body comes in the read that brought its head: by the end of that read it has
    // passed, or it comes later (a body, a head the decoder refused), and nothing is held any longer either way. An
    // answer is not held for a body: nobody may ever read it (Reactor Netty then stops reading the connection).
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        endPending = false;
        writeHeldEnd(ctx);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (heldEnd != null) {
            ReferenceCountUtil.release(heldEnd);
            heldPromise.tryFailure(new ClosedChannelException());
            heldEnd = null;
            heldPromise = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handlerRemoved(ctx);
        ctx.fireChannelInactive();
    }

    private void writeHeldEnd(ChannelHandlerContext ctx) {
        if (heldEnd != null) {
            Object end = heldEnd;
            ChannelPromise promise = heldPromise;
            heldEnd = null;
            heldPromise = null;
            ctx.writeAndFlush(end, promise);
        }
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
