package dev.tokenbroker.testing;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/** WebClients able to hold many concurrent connections to the broker, counting the requests they have sent. */
public final class LoadClients {

    private LoadClients() {}

    /**
     * A client with up to {@code connections} parallel connections; {@code sent} counts requests fully written to the
     * wire, so a test knows when all of them have reached the broker.
     */
    public static WebClient concurrent(int port, int connections, AtomicInteger sent) {
        return concurrent(port, pool(connections), sent);
    }

    /**
     * A pool of up to {@code connections} connections for {@link #concurrent(int, ConnectionProvider, AtomicInteger)};
     * disposing it closes them, so that a test's connections do not count against the broker's per-address limit in
     * the tests after it.
     */
    public static ConnectionProvider pool(int connections) {
        return ConnectionProvider.builder("load-" + connections)
                .maxConnections(connections)
                .pendingAcquireMaxCount(-1)
                .pendingAcquireTimeout(Duration.ofSeconds(60))
                .build();
    }

    /** A client over that pool; {@code sent} counts requests fully written to the wire. */
    public static WebClient concurrent(int port, ConnectionProvider pool, AtomicInteger sent) {
        HttpClient http = HttpClient.create(pool)
                .responseTimeout(Duration.ofSeconds(60))
                .doAfterRequest((request, connection) -> sent.incrementAndGet());
        return WebClient.builder()
                .baseUrl("http://127.0.0.1:" + port)
                .clientConnector(new ReactorClientHttpConnector(http))
                .build();
    }
}
