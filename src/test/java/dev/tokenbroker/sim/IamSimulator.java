package dev.tokenbroker.sim;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * IBM Cloud IAM on a loopback port, speaking IAM's real shapes: {@code POST /identity/token} with the apikey grant
 * answers {@code access_token} (a JWT-shaped string), {@code refresh_token}, {@code token_type}, {@code expires_in},
 * {@code expiration}, {@code scope}; unknown keys get 400 {@code BXNIM0415E} with IAM's error body. Tests can script
 * the next answers, hold answers until released, stop the port (connection refused), and ask which key minted a
 * token. Thread-safe.
 */
public final class IamSimulator implements AutoCloseable {

    /** IAM's apikey grant type. */
    public static final String APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey";

    private final Clock clock;
    private final Set<String> knownKeys = ConcurrentHashMap.newKeySet();
    private final Map<String, String> keyByToken = new ConcurrentHashMap<>();
    private final Queue<Scripted> script = new ConcurrentLinkedQueue<>();
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final AtomicReference<CompletableFuture<Void>> gate =
            new AtomicReference<>(CompletableFuture.completedFuture(null));
    private volatile Duration tokenLifetime = Duration.ofHours(1);
    private volatile DisposableServer server;
    private final int port;

    private IamSimulator(Clock clock, int port) {
        this.clock = clock;
        this.server = bind(port);
        this.port = server.port();
    }

    /** Starts on a free loopback port. */
    public static IamSimulator start(Clock clock) {
        return new IamSimulator(clock, 0);
    }

    /** The base URL to configure as {@code tokenbroker.iam.url}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Makes an API key valid. */
    public void addKey(String apikey) {
        knownKeys.add(apikey);
    }

    /** How long minted tokens live from now on. */
    public void tokenLifetime(Duration lifetime) {
        this.tokenLifetime = lifetime;
    }

    /** The next token call gets this answer instead of the normal one (answers queue up). */
    public void enqueue(int status, Map<String, String> headers, String body) {
        script.add(new Scripted(status, headers, body));
    }

    /** IAM's own error shape. */
    public void enqueueError(int status, String errorCode, String message) {
        enqueue(status, Map.of("Content-Type", "application/json"), errorBody(errorCode, message));
    }

    /** Token answers wait until {@link #release()}. */
    public void hold() {
        gate.set(new CompletableFuture<>());
    }

    /** Lets held answers go. */
    public void release() {
        gate.get().complete(null);
    }

    /** Closes the port: callers get connection refused. */
    public void stop() {
        server.disposeNow();
    }

    /** Opens the same port again. */
    public void restart() {
        server = bind(port);
    }

    /** Forgets scripted answers, recorded requests and any hold; reopens the port if stopped. */
    public void reset() {
        script.clear();
        requests.clear();
        release();
        tokenLifetime = Duration.ofHours(1);
        if (server.isDisposed()) {
            restart();
        }
    }

    /** Every token request so far. */
    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    /** How many token requests arrived. */
    public int tokenCalls() {
        return requests.size();
    }

    /** Which API key minted this token, or {@code null} if we did not mint it. */
    public String keyThatMinted(String accessToken) {
        return keyByToken.get(accessToken);
    }

    @Override
    public void close() {
        server.disposeNow();
    }

    private DisposableServer bind(int onPort) {
        return HttpServer.create()
                .host("127.0.0.1")
                .port(onPort)
                .route(routes -> routes.post("/identity/token", this::token))
                .bindNow();
    }

    private Mono<Void> token(HttpServerRequest request, HttpServerResponse response) {
        return request.receive()
                .aggregate()
                .asString(StandardCharsets.UTF_8)
                .defaultIfEmpty("")
                .flatMap(body -> {
                    Map<String, String> form = parseForm(body);
                    requests.add(new Recorded(
                            System.nanoTime(),
                            request.requestHeaders().get("Content-Type"),
                            request.requestHeaders().get("Accept"),
                            form));
                    return Mono.fromFuture(gate.get(), true).then(Mono.defer(() -> answer(form, response)));
                });
    }

    private Mono<Void> answer(Map<String, String> form, HttpServerResponse response) {
        Scripted scripted = script.poll();
        if (scripted != null) {
            scripted.headers().forEach(response::header);
            return response.status(scripted.status())
                    .sendString(Mono.just(scripted.body()))
                    .then();
        }
        response.header("Content-Type", "application/json");
        if (!APIKEY_GRANT.equals(form.get("grant_type"))) {
            return response.status(400)
                    .sendString(Mono.just(errorBody("BXNIM0103E", "Unsupported grant type.")))
                    .then();
        }
        String apikey = form.get("apikey");
        if (apikey == null || !knownKeys.contains(apikey)) {
            return response.status(400)
                    .sendString(Mono.just(errorBody("BXNIM0415E", "Provided API key could not be found.")))
                    .then();
        }
        return response.status(200).sendString(Mono.just(mint(apikey))).then();
    }

    private String mint(String apikey) {
        Instant now = clock.instant();
        long life = tokenLifetime.toSeconds();
        long expiration = now.getEpochSecond() + life;
        String header = base64("{\"kid\":\"20251123\",\"alg\":\"RS256\"}");
        String payload = base64("{\"iam_id\":\"iam-ServiceId-sim\",\"id\":\"iam-ServiceId-sim\",\"realmid\":\"iam\","
                + "\"jti\":\"" + randomId() + "\",\"identifier\":\"ServiceId-sim\",\"sub\":\"ServiceId-sim\","
                + "\"sub_type\":\"ServiceId\",\"iat\":" + now.getEpochSecond() + ",\"exp\":" + expiration + "}");
        String accessToken = header + "." + payload + "." + base64(randomId().toString());
        keyByToken.put(accessToken, apikey);
        return "{\"access_token\":\"" + accessToken + "\",\"refresh_token\":\"not_supported\",\"ims_user_id\":1234567,"
                + "\"token_type\":\"Bearer\",\"expires_in\":" + life + ",\"expiration\":" + expiration
                + ",\"scope\":\"ibm openid\"}";
    }

    private static String errorBody(String code, String message) {
        return "{\"errorCode\":\"" + code + "\",\"errorMessage\":\"" + message + "\",\"context\":{\"requestId\":\""
                + randomId() + "\",\"requestType\":\"incoming.Identity_Token\",\"userAgent\":\"sim\","
                + "\"url\":\"https://iam.cloud.ibm.com\",\"instanceId\":\"iamid-sim\",\"threadId\":\"1\","
                + "\"host\":\"iamid-sim\",\"locale\":\"en_US\",\"clusterName\":\"iam-id-sim\"}}";
    }

    private static Map<String, String> parseForm(String body) {
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            form.put(name, value);
        }
        return form;
    }

    // Not UUID.randomUUID(): SecureRandom may read /dev/urandom, a blocking call on the event loop.
    private static String randomId() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    private static String base64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * One recorded token request.
     *
     * @param nanoTime when it arrived ({@link System#nanoTime()})
     * @param contentType its Content-Type
     * @param accept its Accept
     * @param form its form fields
     */
    public record Recorded(long nanoTime, String contentType, String accept, Map<String, String> form) {}

    private record Scripted(int status, Map<String, String> headers, String body) {}
}
