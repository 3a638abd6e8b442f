package baseline;

import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The "bare reactor-netty route" of hot-path issue #13's table, for {@code scripts/bench.sh} with
 * {@code NETTY=1}: Reactor Netty's {@code HttpServer} with one route at the broker's path answering the broker's own
 * answer bytes, no Spring at all. What is left of a cache hit when nothing but the server answers it.
 *
 * <p>Arguments: the port and the file with the answer's bytes.
 */
public final class BareReactorNettyServer {

    private BareReactorNettyServer() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        byte[] body = Files.readAllBytes(Path.of(args[1]));
        DisposableServer server = HttpServer.create()
                .host("127.0.0.1")
                .port(port)
                .route(routes -> routes.post(
                        "/v1/credentials/{name}/iam-token",
                        (request, response) -> response.header("Content-Type", "application/json")
                                .header("Cache-Control", "no-store")
                                .header("Pragma", "no-cache")
                                .header("Content-Length", Integer.toString(body.length))
                                .send(request.receive()
                                        .then()
                                        .thenReturn(Unpooled.wrappedBuffer(body))
                                        .flux())))
                .bindNow();
        server.onDispose().block();
    }
}
