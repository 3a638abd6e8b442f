package dev.tokenbroker.sim;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Watson IoT Platform's API-key management on a loopback port, under {@code /{org}/api/v0002}: {@code POST
 * authorization/apikeys} (JSON {@code comment}, {@code roles}, {@code expiresAt}; answers 201 {@code key} and
 * {@code token}), {@code GET authorization/apikeys} (paginated, 2 per page: {@code _limit}, {@code _bookmark}; answers
 * {@code meta}, {@code results} and, while there are more, a cursor {@code bookmark}), {@code DELETE
 * authorization/apikeys/{key}} (204, or 404 for an unknown key). Every call must carry HTTP Basic with the
 * organisation's operator key and token, or gets 401 with the platform's error shape. It does not enforce
 * {@code expiresAt} (whether the platform does is undocumented): a key lives until it is deleted, so tests can check
 * that the broker deletes them. Tests can seed keys, refuse the master key, fail creates, hold create answers, and
 * stop/restart the port. Thread-safe.
 */
public final class IotSimulator implements AutoCloseable {

    private static final String BASE = "/{org}/api/v0002/authorization/apikeys";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int DEFAULT_PAGE_SIZE = 2;

    private final Clock clock;
    private final Map<String, String> basicByOrg = new ConcurrentHashMap<>();
    private final Map<String, Key> keys = new ConcurrentHashMap<>();
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final List<Key> created = new CopyOnWriteArrayList<>();
    private final List<String> deleted = new CopyOnWriteArrayList<>();
    private final AtomicInteger pendingCreates = new AtomicInteger();
    private final AtomicInteger listCalls = new AtomicInteger();
    private final AtomicInteger refusedCalls = new AtomicInteger();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicReference<CompletableFuture<Void>> gate =
            new AtomicReference<>(CompletableFuture.completedFuture(null));
    private final java.util.Queue<Integer> failCreates = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicInteger failDeletes = new AtomicInteger();
    private volatile Duration createAnswerDelay = Duration.ZERO;
    private volatile boolean refuseMasterKey;
    private volatile int pageSize = DEFAULT_PAGE_SIZE;
    private volatile DisposableServer server;
    private final int port;

    private IotSimulator(Clock clock) {
        this.clock = clock;
        this.server = bind(0);
        this.port = server.port();
    }

    /** Starts on a free loopback port. */
    public static IotSimulator start(Clock clock) {
        return new IotSimulator(clock);
    }

    /** The value for {@code tokenbroker.iot.api-url}. */
    public String apiUrl() {
        return "http://127.0.0.1:" + port + "/{org}/api/v0002";
    }

    /** Creates an organisation whose API accepts this operator key. */
    public void addOrg(String org, String masterKey, String masterToken) {
        basicByOrg.put(org, basic(masterKey, masterToken));
    }

    /** Answers 401 to every call, as the platform does for a revoked or wrong operator key. */
    public void refuseMasterKey(boolean refuse) {
        this.refuseMasterKey = refuse;
    }

    /** The next create calls get these statuses (429 with {@code Retry-After: 1}, 5xx) instead of a key. */
    public void failNextCreates(int... statuses) {
        for (int status : statuses) {
            failCreates.add(status);
        }
    }

    /**
     * Creates take effect at once, but their answer comes {@code delay} later (beyond the broker's response timeout,
     * the broker never sees the key it made).
     */
    public void delayCreateAnswers(Duration delay) {
        this.createAnswerDelay = delay;
    }

    /** The next {@code count} deletes answer 500 and delete nothing. */
    public void failNextDeletes(int count) {
        failDeletes.set(count);
    }

    /** Create answers wait until {@link #release()}. */
    public void hold() {
        gate.set(new CompletableFuture<>());
    }

    /** Lets held answers go. */
    public void release() {
        gate.get().complete(null);
    }

    /** How many create calls are waiting on {@link #hold()}. */
    public int pendingCreates() {
        return pendingCreates.get();
    }

    /** How many calls were answered 401. */
    public int refusedCalls() {
        return refusedCalls.get();
    }

    /** How many list pages were asked for. */
    public int listCalls() {
        return listCalls.get();
    }

    /** Closes the port: callers get connection refused. */
    public void stop() {
        server.disposeNow();
    }

    /** Opens the same port again. */
    public void restart() {
        server = bind(port);
    }

    /** Forgets every key and recorded call; accepts the master key again; releases holds; reopens the port. */
    public void reset() {
        keys.clear();
        tokens.clear();
        created.clear();
        deleted.clear();
        listCalls.set(0);
        refusedCalls.set(0);
        failCreates.clear();
        failDeletes.set(0);
        createAnswerDelay = Duration.ZERO;
        refuseMasterKey = false;
        pageSize = DEFAULT_PAGE_SIZE;
        release();
        if (server.isDisposed()) {
            restart();
        }
    }

    /** Adds a key that someone else made (the dashboard, another tool, an earlier broker run). @return its id */
    public String seed(String org, String comment, Instant expiresAt) {
        Key key = newKey(org, comment, List.of("PD_STANDARD_APP"), expiresAt, false);
        keys.put(key.key(), key);
        return key.key();
    }

    /** Every key created through the API, in order, whether deleted since or not. */
    public List<Key> created() {
        return List.copyOf(created);
    }

    /**
     * The most keys created through the API within any window of this length (by their creation time on the
     * simulator's clock): with {@code Duration.ofSeconds(1)}, the creates per second.
     */
    public int mostCreatesWithin(Duration window) {
        List<Instant> times = created.stream().map(Key::createdAt).sorted().toList();
        int most = 0;
        int first = 0;
        for (int last = 0; last < times.size(); last++) {
            while (Duration.between(times.get(first), times.get(last)).compareTo(window) >= 0) {
                first++;
            }
            most = Math.max(most, last - first + 1);
        }
        return most;
    }

    /** Every key that still exists. */
    public List<Key> live() {
        return keys.values().stream()
                .sorted(Comparator.comparingLong(Key::sequence))
                .toList();
    }

    /** Keys created through the API that still exist although their {@code expiresAt} has passed. */
    public List<Key> mintedKeysPastTheirTime() {
        Instant now = clock.instant();
        return live().stream()
                .filter(Key::minted)
                .filter(key -> !key.expiresAt().isAfter(now))
                .toList();
    }

    /** Whether the key still exists. */
    public boolean isLive(String key) {
        return keys.containsKey(key);
    }

    /** Whether the key was deleted through the API. */
    public boolean wasDeleted(String key) {
        return deleted.contains(key);
    }

    /** The token the platform handed out for a key created through the API, or {@code null}. */
    public String tokenOf(String key) {
        return tokens.get(key);
    }

    @Override
    public void close() {
        server.disposeNow();
    }

    private DisposableServer bind(int onPort) {
        return HttpServer.create()
                .host("127.0.0.1")
                .port(onPort)
                .route(this::routes)
                .bindNow();
    }

    private void routes(HttpServerRoutes routes) {
        routes.post(BASE, this::create).get(BASE, this::list).delete(BASE + "/{key}", this::delete);
    }

    private Mono<Void> create(HttpServerRequest request, HttpServerResponse response) {
        String org = request.param("org");
        if (!authorized(request, org)) {
            return unauthorized(response);
        }
        return request.receive()
                .aggregate()
                .asString(StandardCharsets.UTF_8)
                .defaultIfEmpty("")
                .flatMap(body -> {
                    pendingCreates.incrementAndGet();
                    return Mono.fromFuture(gate.get())
                            .doFinally(signal -> pendingCreates.decrementAndGet())
                            .then(Mono.defer(() -> answerCreate(org, body, response)));
                });
    }

    private Mono<Void> answerCreate(String org, String body, HttpServerResponse response) {
        Integer failure = failCreates.poll();
        if (failure != null) {
            if (failure == 429) {
                response.header("Retry-After", "1");
            }
            return error(response, failure, "CUDRS0500E", "Try again later.");
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (RuntimeException malformed) {
            return error(response, 400, "CUDRS0003E", "Invalid JSON.");
        }
        JsonNode roles = json.get("roles");
        JsonNode expiresAt = json.get("expiresAt");
        JsonNode comment = json.get("comment");
        if (roles == null || !roles.isArray() || roles.isEmpty() || expiresAt == null || !expiresAt.isString()) {
            return error(response, 400, "CUDRS0003E", "The request body is not valid.");
        }
        Instant expires;
        try {
            expires = OffsetDateTime.parse(expiresAt.asString()).toInstant();
        } catch (RuntimeException unreadable) {
            return error(response, 400, "CUDRS0003E", "expiresAt is not a date.");
        }
        List<String> roleIds = new ArrayList<>();
        roles.forEach(role -> roleIds.add(role.asString()));
        Key key = newKey(org, comment == null ? null : comment.asString(), roleIds, expires, true);
        String token = "IOTKEYCANARY" + random(10) + "$!";
        keys.put(key.key(), key);
        tokens.put(key.key(), token);
        created.add(key);
        ObjectNode answer = JSON.createObjectNode();
        answer.put("key", key.key());
        answer.put("token", token);
        answer.put("comment", key.comment());
        answer.put("expiresAt", key.expiresAt().toString());
        answer.put("created", key.createdAt().toString());
        Duration delay = createAnswerDelay;
        return delay.isZero() ? send(response, 201, answer) : Mono.delay(delay).then(send(response, 201, answer));
    }

    private Mono<Void> list(HttpServerRequest request, HttpServerResponse response) {
        String org = request.param("org");
        if (!authorized(request, org)) {
            return unauthorized(response);
        }
        listCalls.incrementAndGet();
        Map<String, String> query = query(request.uri());
        int limit = Math.min(pageSize, parseInt(query.get("_limit"), pageSize));
        long after = query.containsKey("_bookmark")
                ? parseLong(new String(Base64.getUrlDecoder().decode(query.get("_bookmark")), StandardCharsets.UTF_8))
                : 0;
        List<Key> ofOrg = live().stream().filter(key -> key.org().equals(org)).toList();
        List<Key> page = ofOrg.stream()
                .filter(key -> key.sequence() > after)
                .limit(limit)
                .toList();
        ObjectNode answer = JSON.createObjectNode();
        answer.putObject("meta").put("total_rows", ofOrg.size());
        ArrayNode results = answer.putArray("results");
        for (Key key : page) {
            ObjectNode entry = results.addObject();
            entry.put("key", key.key());
            entry.put("comment", key.comment());
            ArrayNode roles = entry.putArray("roles");
            key.roles().forEach(roles::add);
            entry.put("expiresAt", key.expiresAt().toString());
            entry.put("created", key.createdAt().toString());
            entry.put("enabled", true);
        }
        // Like the platform's (Cloudant) bookmarks, a cursor: deleting keys does not shift the pages after it.
        if (!page.isEmpty()
                && ofOrg.stream()
                        .anyMatch(key ->
                                key.sequence() > page.get(page.size() - 1).sequence())) {
            answer.put(
                    "bookmark",
                    Base64.getUrlEncoder()
                            .encodeToString(
                                    Long.toString(page.get(page.size() - 1).sequence())
                                            .getBytes(StandardCharsets.UTF_8)));
        }
        return send(response, 200, answer);
    }

    private Mono<Void> delete(HttpServerRequest request, HttpServerResponse response) {
        String org = request.param("org");
        if (!authorized(request, org)) {
            return unauthorized(response);
        }
        if (failDeletes.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
            return error(response, 500, "CUDRS0500E", "Try again later.");
        }
        String id = request.param("key");
        Key key = keys.get(id);
        if (key == null || !key.org().equals(org) || keys.remove(id) == null) {
            return error(response, 404, "CUDRS0001E", "The API key was not found.");
        }
        deleted.add(id);
        return response.status(204).send();
    }

    private boolean authorized(HttpServerRequest request, String org) {
        String expected = basicByOrg.get(org);
        return !refuseMasterKey
                && expected != null
                && expected.equals(request.requestHeaders().get("Authorization"));
    }

    private Mono<Void> unauthorized(HttpServerResponse response) {
        refusedCalls.incrementAndGet();
        return error(response, 401, "CUDRS0007E", "The request was not authorized.");
    }

    private Mono<Void> error(HttpServerResponse response, int status, String id, String message) {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("message", id + ": " + message);
        answer.putObject("exception").put("id", id).putArray("properties");
        return send(response, status, answer);
    }

    private static Mono<Void> send(HttpServerResponse response, int status, ObjectNode body) {
        return response.status(status)
                .header("Content-Type", "application/json")
                .sendString(Mono.just(JSON.writeValueAsString(body)))
                .then();
    }

    private Key newKey(String org, String comment, List<String> roles, Instant expiresAt, boolean minted) {
        String id = "a-" + org + "-" + random(10).toLowerCase(java.util.Locale.ROOT);
        return new Key(
                sequence.incrementAndGet(), org, id, comment, List.copyOf(roles), expiresAt, clock.instant(), minted);
    }

    private static Map<String, String> query(String uri) {
        Map<String, String> query = new LinkedHashMap<>();
        int mark = uri.indexOf('?');
        if (mark < 0) {
            return query;
        }
        for (String pair : uri.substring(mark + 1).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                query.put(
                        java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return query;
    }

    private static long parseLong(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException notANumber) {
            return Long.MAX_VALUE;
        }
    }

    private static int parseInt(String value, int otherwise) {
        try {
            return value == null ? otherwise : Integer.parseInt(value);
        } catch (NumberFormatException notANumber) {
            return otherwise;
        }
    }

    private static String basic(String key, String token) {
        return "Basic " + Base64.getEncoder().encodeToString((key + ":" + token).getBytes(StandardCharsets.UTF_8));
    }

    // Not SecureRandom: it may block on the event loop.
    private static String random(int length) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        return out.toString();
    }

    /**
     * One API key as the platform holds it (its token is kept apart: see {@link #tokenOf(String)}).
     *
     * @param sequence creation order
     * @param org its organisation
     * @param key its id, {@code a-{org}-…}
     * @param comment its comment
     * @param roles its roles
     * @param expiresAt its {@code expiresAt}
     * @param createdAt when it was created
     * @param minted whether it was created through the API (rather than seeded by a test)
     */
    public record Key(
            long sequence,
            String org,
            String key,
            String comment,
            List<String> roles,
            Instant expiresAt,
            Instant createdAt,
            boolean minted) {}
}
