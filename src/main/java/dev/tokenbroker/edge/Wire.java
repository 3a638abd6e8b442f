package dev.tokenbroker.edge;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.TimeoutException;
import java.util.OptionalInt;
import java.util.concurrent.Executor;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.server.HttpServerRequest;

/**
 * What an exchange's connection knows. Above all, what the client actually got, read from the connection rather than from Spring's response (which
 * does not know about answers Reactor Netty writes by itself, such as its 400 for an undecodable body, nor about a
 * client that hung up). For an exchange that is not served by Reactor Netty (a mock), nothing is known and the
 * connection counts as open. Thread-safe.
 */
public final class Wire {

    // Package-private in Reactor Netty.
    private static final String REQUEST_TIMEOUT = "reactor.netty.http.server.RequestTimeoutException";

    private static final String ATTRIBUTE = Wire.class.getName();

    private Wire() {}

    /**
     * Ties the exchange to its connection and forgets the status of the connection's previous exchange; call when an
     * exchange starts. The tie is kept on the exchange: once Reactor Netty has finished with a response, the
     * exchange's request no longer leads to the connection.
     */
    public static void begin(ServerWebExchange exchange) {
        Channel channel = channel(exchange);
        if (channel == null) {
            return;
        }
        ExchangeWire wire = channel.attr(ExchangeWire.KEY).get();
        if (wire != null) {
            wire.status = ExchangeWire.NONE;
        }
        exchange.getAttributes().put(ATTRIBUTE, new Tie(channel, wire));
    }

    /** The status line written for this exchange so far, if any (1xx interim answers are not counted). */
    public static OptionalInt sentStatus(ServerWebExchange exchange) {
        Tie tie = tie(exchange);
        return tie == null || tie.wire() == null || tie.wire().status == ExchangeWire.NONE
                ? OptionalInt.empty()
                : OptionalInt.of(tie.wire().status);
    }

    /** Whether the exchange's connection is still open (true when it is not known). */
    public static boolean open(ServerWebExchange exchange) {
        Tie tie = tie(exchange);
        return tie == null || tie.channel().isActive();
    }

    /**
     * Where work on the exchange's connection runs: its event loop, so that what is resumed from another thread (an
     * audit line written) goes on where the request began; null for an exchange not tied to a connection.
     */
    public static Executor eventLoop(ServerWebExchange exchange) {
        Tie tie = tie(exchange);
        return tie == null ? null : tie.channel().eventLoop();
    }

    /**
     * Closes the exchange's connection, if it is still open, without answering: for a request whose body can no
     * longer arrive (its client half-closed the connection). Left open, Reactor Netty would answer the finished
     * exchange with an empty 200.
     */
    public static void abandon(ServerWebExchange exchange) {
        Tie tie = tie(exchange);
        if (tie != null && tie.channel().isActive()) {
            tie.channel().close();
        }
    }

    /**
     * Whether a failure is a read or request timeout ({@link EdgeProperties}) giving up on a request body. The
     * connection is being closed; a 408 may still reach the client.
     */
    public static boolean isTimeout(Throwable failure) {
        for (Throwable cause = failure; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
            if (cause instanceof TimeoutException
                    || REQUEST_TIMEOUT.equals(cause.getClass().getName())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a failure is the connection's, not the request's: the client hung up, or a read or request timeout
     * gave up on it. Nobody can be answered then (but see {@link #isTimeout}).
     */
    public static boolean isConnectionFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
            if (cause instanceof AbortedException
                    || cause instanceof TimeoutException
                    || cause instanceof ChannelException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the request came as HTTP/1.1 (not 1.0, not 2). For an exchange not served by Reactor Netty, false.
     */
    public static boolean isHttp11(ServerWebExchange exchange) {
        return ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest()) instanceof HttpServerRequest request
                && HttpVersion.HTTP_1_1.equals(request.version());
    }

    private static Tie tie(ServerWebExchange exchange) {
        Object tie = exchange.getAttribute(ATTRIBUTE);
        return tie instanceof Tie known ? known : null;
    }

    private static Channel channel(ServerWebExchange exchange) {
        Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
        if (!(nativeRequest instanceof HttpServerRequest request)) {
            return null;
        }
        Channel[] channel = new Channel[1];
        request.withConnection(connection -> channel[0] = connection.channel());
        return channel[0];
    }

    private record Tie(Channel channel, ExchangeWire wire) {}
}
