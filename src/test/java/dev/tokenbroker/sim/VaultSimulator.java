package dev.tokenbroker.sim;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * HashiCorp Vault on a loopback port, speaking the shapes Spring Vault reads: AppRole and Kubernetes logins
 * ({@code POST /v1/auth/{approle|kubernetes}/login} answering {@code auth.client_token}, {@code lease_duration},
 * {@code renewable}), {@code GET /v1/auth/token/lookup-self}, {@code POST /v1/auth/token/renew-self} and
 * {@code revoke-self}, and KV version 2 ({@code GET /v1/{mount}/data/{path}} and {@code /v1/{mount}/metadata/{path}}).
 * Everything but the logins needs a valid {@code X-Vault-Token} (else 403 {@code permission denied}, as Vault
 * answers). Records every request with its token and {@code X-Vault-Namespace}. Tests put new secret versions, revoke
 * tokens, and stop/restart the port. Thread-safe.
 */
public final class VaultSimulator implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String PERMISSION_DENIED = "{\"errors\":[\"permission denied\"]}";

    private final Map<String, TokenState> tokens = new ConcurrentHashMap<>();
    private final Map<String, String> secretIdByRoleId = new ConcurrentHashMap<>();
    private final Map<String, String> jwtByKubernetesRole = new ConcurrentHashMap<>();
    private final Map<String, List<Version>> secrets = new ConcurrentHashMap<>();
    private final Set<String> mounts = ConcurrentHashMap.newKeySet();
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final List<String> issued = new CopyOnWriteArrayList<>();
    private volatile Duration loginLease = Duration.ofHours(1);
    private volatile DisposableServer server;
    private final int port;

    private VaultSimulator() {
        this.server = bind(0);
        this.port = server.port();
        mounts.add("secret");
    }

    /** Starts on a free loopback port with a {@code secret/} KV v2 mount. */
    public static VaultSimulator start() {
        return new VaultSimulator();
    }

    /** The address to configure as {@code tokenbroker.vault.hashicorp.uri}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Accepts this token (as a root/service token: not renewable, no expiry). */
    public void addToken(String token) {
        tokens.put(token, new TokenState(false, Duration.ZERO, accessor()));
    }

    /** Accepts an AppRole login with this role id and secret id. */
    public void addAppRole(String roleId, String secretId) {
        secretIdByRoleId.put(roleId, secretId);
    }

    /** Accepts a Kubernetes login for this role with this service-account JWT. */
    public void addKubernetesRole(String role, String jwt) {
        jwtByKubernetesRole.put(role, jwt);
    }

    /** Lease of tokens issued by logins from now on (renewable). */
    public void loginLease(Duration lease) {
        this.loginLease = lease;
    }

    /** Writes a new version of a KV v2 secret; returns its version number. */
    public int put(String mount, String path, Map<String, String> data) {
        mounts.add(mount);
        List<Version> versions = secrets.computeIfAbsent(mount + "/" + path, key -> new CopyOnWriteArrayList<>());
        synchronized (versions) {
            versions.add(new Version(versions.size() + 1, Map.copyOf(data), Instant.now()));
            return versions.size();
        }
    }

    /** Every token a login issued, so tests can look for them where they must not be. */
    public List<String> issuedTokens() {
        return List.copyOf(issued);
    }

    /** Revokes every token issued by a login (given tokens stay valid). */
    public void revokeLoginTokens() {
        issued.forEach(tokens::remove);
    }

    /** Closes the port: callers get connection refused. */
    public void stop() {
        server.disposeNow();
    }

    /** Opens the same port again. */
    public void restart() {
        if (server.isDisposed()) {
            server = bind(port);
        }
    }

    /** Forgets recorded requests; reopens the port if stopped. Secrets, roles and tokens stay. */
    public void reset() {
        requests.clear();
        restart();
    }

    /** Every request so far, in order of arrival. */
    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    /** The requests to this path (e.g. {@code /v1/auth/approle/login}). */
    public List<Recorded> requests(String path) {
        return requests.stream().filter(request -> request.path().equals(path)).toList();
    }

    @Override
    public void close() {
        server.disposeNow();
    }

    private DisposableServer bind(int onPort) {
        return HttpServer.create()
                .host("127.0.0.1")
                .port(onPort)
                .handle(this::handle)
                .bindNow();
    }

    private Mono<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        return request.receive()
                .aggregate()
                .asString(StandardCharsets.UTF_8)
                .defaultIfEmpty("")
                .flatMap(body -> {
                    String path = request.path().startsWith("/") ? request.path() : "/" + request.path();
                    path = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
                    Recorded recorded = new Recorded(
                            System.nanoTime(),
                            request.method().name(),
                            path,
                            request.requestHeaders().get("X-Vault-Token"),
                            request.requestHeaders().get("X-Vault-Namespace"),
                            parse(body));
                    requests.add(recorded);
                    Answer answer = answer(recorded);
                    return response.status(answer.status())
                            .header("Content-Type", "application/json")
                            .sendString(Mono.just(answer.body()))
                            .then();
                });
    }

    private Answer answer(Recorded request) {
        String path = request.path();
        if (request.method().equals("POST") && path.equals("/v1/auth/approle/login")) {
            Object roleId = request.body().get("role_id");
            Object secretId = request.body().get("secret_id");
            boolean valid = roleId != null && secretId != null && secretId.equals(secretIdByRoleId.get(roleId));
            return valid ? login("approle") : new Answer(400, "{\"errors\":[\"invalid role or secret ID\"]}");
        }
        if (request.method().equals("POST") && path.equals("/v1/auth/kubernetes/login")) {
            Object role = request.body().get("role");
            Object jwt = request.body().get("jwt");
            boolean valid = role != null && jwt != null && jwt.equals(jwtByKubernetesRole.get(role));
            return valid ? login("kubernetes") : new Answer(403, PERMISSION_DENIED);
        }
        TokenState token = request.vaultToken() == null ? null : tokens.get(request.vaultToken());
        if (token == null) {
            return new Answer(403, PERMISSION_DENIED);
        }
        return switch (request.method() + " " + path) {
            case "GET /v1/auth/token/lookup-self" -> lookupSelf(request.vaultToken(), token);
            case "POST /v1/auth/token/renew-self" -> renewSelf(request.vaultToken(), token);
            case "POST /v1/auth/token/revoke-self" -> {
                tokens.remove(request.vaultToken());
                yield new Answer(204, "");
            }
            default -> request.method().equals("GET") ? kv(path) : new Answer(405, "{\"errors\":[]}");
        };
    }

    private Answer login(String method) {
        String token = "hvs.CANARYVAULTTOKEN"
                + Long.toHexString(ThreadLocalRandom.current().nextLong());
        String accessor = accessor();
        tokens.put(token, new TokenState(true, loginLease, accessor));
        issued.add(token);
        return new Answer(200, json(Map.of("auth", auth(token, accessor, loginLease, method))));
    }

    private Answer lookupSelf(String token, TokenState state) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("accessor", state.accessor());
        data.put("creation_ttl", state.lease().toSeconds());
        data.put("display_name", "token");
        data.put("id", token);
        data.put("policies", List.of("default", "token-broker"));
        data.put("renewable", state.renewable());
        data.put("ttl", state.lease().toSeconds());
        data.put("type", "service");
        return new Answer(200, json(Map.of("data", data)));
    }

    private Answer renewSelf(String token, TokenState state) {
        if (!state.renewable()) {
            return new Answer(400, "{\"errors\":[\"lease is not renewable\"]}");
        }
        return new Answer(200, json(Map.of("auth", auth(token, state.accessor(), state.lease(), "token"))));
    }

    private Answer kv(String path) {
        String rest = path.substring("/v1/".length());
        int slash = rest.indexOf('/');
        if (slash < 0) {
            return new Answer(404, "{\"errors\":[]}");
        }
        String mount = rest.substring(0, slash);
        String tail = rest.substring(slash + 1);
        if (!mounts.contains(mount)) {
            return new Answer(403, PERMISSION_DENIED);
        }
        if (tail.startsWith("data/")) {
            List<Version> versions = secrets.get(mount + "/" + tail.substring("data/".length()));
            if (versions == null || versions.isEmpty()) {
                return new Answer(404, "{\"errors\":[]}");
            }
            Version latest = versions.get(versions.size() - 1);
            Map<String, Object> metadata = new LinkedHashMap<>();
            metadata.put("created_time", latest.created().toString());
            metadata.put("custom_metadata", null);
            metadata.put("deletion_time", "");
            metadata.put("destroyed", false);
            metadata.put("version", latest.number());
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("data", latest.data());
            data.put("metadata", metadata);
            return new Answer(200, json(envelope(data)));
        }
        if (tail.startsWith("metadata/")) {
            List<Version> versions = secrets.get(mount + "/" + tail.substring("metadata/".length()));
            if (versions == null || versions.isEmpty()) {
                return new Answer(404, "{\"errors\":[]}");
            }
            List<Version> all = new ArrayList<>(versions);
            Map<String, Object> byNumber = new LinkedHashMap<>();
            all.forEach(version -> byNumber.put(
                    Integer.toString(version.number()),
                    Map.of("created_time", version.created().toString(), "deletion_time", "", "destroyed", false)));
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("cas_required", false);
            data.put("created_time", all.get(0).created().toString());
            data.put("current_version", all.get(all.size() - 1).number());
            data.put("custom_metadata", null);
            data.put("delete_version_after", "0s");
            data.put("max_versions", 0);
            data.put("oldest_version", 0);
            data.put("updated_time", all.get(all.size() - 1).created().toString());
            data.put("versions", byNumber);
            return new Answer(200, json(envelope(data)));
        }
        return new Answer(404, "{\"errors\":[]}");
    }

    private static Map<String, Object> auth(String token, String accessor, Duration lease, String method) {
        Map<String, Object> auth = new LinkedHashMap<>();
        auth.put("client_token", token);
        auth.put("accessor", accessor);
        auth.put("policies", List.of("default", "token-broker"));
        auth.put("token_policies", List.of("default", "token-broker"));
        auth.put("metadata", Map.of("method", method));
        auth.put("lease_duration", lease.toSeconds());
        auth.put("renewable", true);
        auth.put("entity_id", "");
        auth.put("token_type", "service");
        auth.put("orphan", true);
        return auth;
    }

    private static Map<String, Object> envelope(Map<String, Object> data) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("request_id", accessor());
        envelope.put("lease_id", "");
        envelope.put("renewable", false);
        envelope.put("lease_duration", 0);
        envelope.put("data", data);
        envelope.put("wrap_info", null);
        envelope.put("warnings", null);
        envelope.put("auth", null);
        return envelope;
    }

    private static String json(Object value) {
        return JSON.writeValueAsString(value);
    }

    private static Map<String, Object> parse(String body) {
        if (body.isBlank()) {
            return Map.of();
        }
        try {
            return JSON.readValue(body, new TypeReference<Map<String, Object>>() {});
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    private static String accessor() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
    }

    /**
     * One request as Vault saw it.
     *
     * @param receivedAt when it arrived ({@link System#nanoTime()})
     * @param method the HTTP method
     * @param path the path without query, e.g. {@code /v1/secret/data/token-broker/wml-prod}
     * @param vaultToken its {@code X-Vault-Token}, or {@code null}
     * @param namespace its {@code X-Vault-Namespace}, or {@code null}
     * @param body its JSON body ({@code role_id}, {@code secret_id}, {@code role}, {@code jwt} for logins)
     */
    public record Recorded(
            long receivedAt,
            String method,
            String path,
            String vaultToken,
            String namespace,
            Map<String, Object> body) {}

    private record TokenState(boolean renewable, Duration lease, String accessor) {}

    private record Version(int number, Map<String, String> data, Instant created) {}

    private record Answer(int status, String body) {}
}
