package dev.tokenbroker.sim;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * An OIDC issuer's JWKS endpoint on a loopback port ({@code GET /openid/v1/jwks}, the path Kubernetes uses): serves
 * the public parts of the keys it is told to publish, counts fetches, can hold answers until released, rotate keys,
 * and be stopped (connection refused) and restarted on the same port. Thread-safe.
 */
public final class JwksSimulator implements AutoCloseable {

    /** Where the key set is served. */
    public static final String PATH = "/openid/v1/jwks";

    private final AtomicReference<JWKSet> published;
    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicReference<CompletableFuture<Void>> gate =
            new AtomicReference<>(CompletableFuture.completedFuture(null));
    private final int port;
    private volatile DisposableServer server;

    private JwksSimulator(List<JWK> keys) {
        this.published = new AtomicReference<>(new JWKSet(keys));
        this.server = bind(0);
        this.port = server.port();
    }

    /** Starts on a free loopback port, publishing these keys (their public parts). */
    public static JwksSimulator start(JWK... keys) {
        return new JwksSimulator(List.of(keys));
    }

    /** The URL to configure as {@code jwk-set-uri}. */
    public String url() {
        return "http://127.0.0.1:" + port + PATH;
    }

    /** Publishes exactly these keys from now on (a rotation). */
    public void publish(JWK... keys) {
        published.set(new JWKSet(List.of(keys)));
    }

    /** How many times the key set was fetched. */
    public int fetches() {
        return fetches.get();
    }

    /** How many fetches are being held right now. */
    public int waiting() {
        return waiting.get();
    }

    /** Fetches wait until {@link #release()}. */
    public void hold() {
        gate.set(new CompletableFuture<>());
    }

    /** Lets held fetches go. */
    public void release() {
        gate.get().complete(null);
    }

    /** Closes the port: fetches get connection refused. */
    public void stop() {
        server.disposeNow();
    }

    /** Opens the same port again. */
    public void restart() {
        if (server.isDisposed()) {
            server = bind(port);
        }
    }

    @Override
    public void close() {
        server.disposeNow();
    }

    private DisposableServer bind(int onPort) {
        return HttpServer.create()
                .host("127.0.0.1")
                .port(onPort)
                .route(routes -> routes.get(PATH, this::serve))
                .bindNow();
    }

    private Mono<Void> serve(HttpServerRequest request, HttpServerResponse response) {
        fetches.incrementAndGet();
        waiting.incrementAndGet();
        return Mono.fromFuture(gate.get())
                .doFinally(signal -> waiting.decrementAndGet())
                .then(Mono.defer(() -> response.header("Content-Type", "application/json")
                        .sendString(Mono.just(published.get().toString(true)))
                        .then()));
    }
}
