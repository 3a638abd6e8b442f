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
 * token. Every request is recorded with its arrival time ({@link #mostCallsWithin}: calls per second). Thread-safe.
 *
 * <p>Trusted profiles (DESIGN §1): the cr-token grant ({@code cr_token} and one of {@code profile_id},
 * {@code profile_name}, {@code profile_crn}) and the assume grant ({@code access_token} and {@code profile_id},
 * {@code profile_crn}, or {@code profile_name} with {@code account}) are enforced exactly: a form body, the fields of
 * the grant and no others, one profile. A compute-resource token belongs to a compute resource (a namespace's service
 * account); a profile is linked to compute resources (cr-token grant) and trusts the identities of API keys (assume
 * grant). Refusals, all 400 with IAM's error body: a compute-resource or access token that this IAM did not issue or
 * that has expired, {@value #INVALID_TOKEN} (the code IBM's own bluemix-go client, {@code authentication/iam.go}, reads
 * as "invalid token"); a profile that is unknown, not linked to the token's compute resource or not trusting the
 * token's identity, {@value #NOT_TRUSTED} (IAM's documented code for credentials it refuses, "The credentials you
 * provided are incorrect"; IBM documents no separate code for an unlinked profile that we could find); a malformed
 * request, {@value #MALFORMED} (not verified against IAM).
 */
public final class IamSimulator implements AutoCloseable {

    /** IAM's apikey grant type. */
    public static final String APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey";

    /** IAM's grant of a trusted profile's token for a compute-resource token. */
    public static final String CR_TOKEN_GRANT = "urn:ibm:params:oauth:grant-type:cr-token";

    /** IAM's grant of a trusted profile's token for another IAM token. */
    public static final String ASSUME_GRANT = "urn:ibm:params:oauth:grant-type:assume";

    /** The refusal of a compute-resource or access token that is unknown or expired. */
    public static final String INVALID_TOKEN = "BXNIM0407E";

    /** The refusal of a profile that is unknown, unlinked or does not trust the caller's identity. */
    public static final String NOT_TRUSTED = "BXNIM0602E";

    /** The refusal of a request that lacks a field, has one too many, or is not a form. */
    public static final String MALFORMED = "BXNIM0109E";

    private static final Set<String> CR_TOKEN_FIELDS =
            Set.of("grant_type", "cr_token", "profile_id", "profile_name", "profile_crn");
    private static final Set<String> ASSUME_FIELDS =
            Set.of("grant_type", "access_token", "profile_id", "profile_name", "profile_crn", "account");

    private final Clock clock;
    private final Set<String> knownKeys = ConcurrentHashMap.newKeySet();
    private final Map<String, String> keyByToken = new ConcurrentHashMap<>();
    private final Map<String, Instant> expiryByToken = new ConcurrentHashMap<>();
    private final Map<String, String> profileByToken = new ConcurrentHashMap<>();
    private final Map<String, String> crTokenByToken = new ConcurrentHashMap<>();
    private final Map<String, String> computeResourceByCrToken = new ConcurrentHashMap<>();
    private final Set<String> expiredCrTokens = ConcurrentHashMap.newKeySet();
    private final List<Profile> profiles = new CopyOnWriteArrayList<>();
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

    /**
     * Adds a trusted profile.
     *
     * @param id e.g. {@code Profile-…}
     * @param name its name, unique in its account
     * @param crn its CRN
     * @param account the account that holds it
     */
    public void addProfile(String id, String name, String crn, String account) {
        profiles.add(new Profile(id, name, crn, account, ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet()));
    }

    /** Links a profile to a compute resource: its compute-resource tokens may mint the profile's tokens. */
    public void linkProfile(String profileId, String computeResource) {
        profile(profileId).computeResources().add(computeResource);
    }

    /** Lets the identity of an API key assume the profile (the assume grant). */
    public void trustApikey(String profileId, String apikey) {
        profile(profileId).apikeys().add(apikey);
    }

    /** Makes a compute-resource token valid: the kubelet projected it for this compute resource. */
    public void addCrToken(String crToken, String computeResource) {
        computeResourceByCrToken.put(crToken, computeResource);
    }

    /** A compute-resource token's expiry has passed: it is refused from now on. */
    public void expireCrToken(String crToken) {
        expiredCrTokens.add(crToken);
    }

    /** The profile a token was minted for (cr-token or assume grant), or {@code null}. */
    public String profileThatMinted(String accessToken) {
        return profileByToken.get(accessToken);
    }

    /** The compute-resource token a profile's token was minted with, or {@code null}. */
    public String crTokenThatMinted(String accessToken) {
        return crTokenByToken.get(accessToken);
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

    /**
     * The most token requests that arrived within any window of this length (a sliding window over the arrival times
     * of {@link #requests()}): with {@code Duration.ofSeconds(1)}, the calls per second an upstream budget is held to.
     */
    public int mostCallsWithin(Duration window) {
        List<Long> arrivals = requests.stream().map(Recorded::nanoTime).sorted().toList();
        int most = 0;
        int first = 0;
        for (int last = 0; last < arrivals.size(); last++) {
            while (arrivals.get(last) - arrivals.get(first) >= window.toNanos()) {
                first++;
            }
            most = Math.max(most, last - first + 1);
        }
        return most;
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
                    return Mono.fromFuture(gate.get(), true)
                            .then(Mono.defer(
                                    () -> answer(form, request.requestHeaders().get("Content-Type"), response)));
                });
    }

    private Mono<Void> answer(Map<String, String> form, String contentType, HttpServerResponse response) {
        Scripted scripted = script.poll();
        if (scripted != null) {
            scripted.headers().forEach(response::header);
            return response.status(scripted.status())
                    .sendString(Mono.just(scripted.body()))
                    .then();
        }
        response.header("Content-Type", "application/json");
        String grant = form.get("grant_type");
        if (CR_TOKEN_GRANT.equals(grant) || ASSUME_GRANT.equals(grant)) {
            String refusal = !isForm(contentType)
                    ? MALFORMED + " Content-Type must be application/x-www-form-urlencoded."
                    : CR_TOKEN_GRANT.equals(grant) ? crTokenRefusal(form) : assumeRefusal(form);
            if (refusal != null) {
                return response.status(400)
                        .sendString(Mono.just(errorBody(refusal.substring(0, 10), refusal.substring(11))))
                        .then();
            }
            return response.status(200)
                    .sendString(Mono.just(mintForProfile(form)))
                    .then();
        }
        if (!APIKEY_GRANT.equals(grant)) {
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
        String accessToken = accessToken("ServiceId-sim", "ServiceId");
        keyByToken.put(accessToken, apikey);
        return tokenBody(accessToken);
    }

    // A token of the profile the form names (already checked by crTokenRefusal or assumeRefusal).
    private String mintForProfile(Map<String, String> form) {
        Profile profile = named(form);
        String accessToken = accessToken(profile.id(), "Profile");
        profileByToken.put(accessToken, profile.id());
        if (form.containsKey("cr_token")) {
            crTokenByToken.put(accessToken, form.get("cr_token"));
        }
        return tokenBody(accessToken);
    }

    private String accessToken(String subject, String subjectType) {
        Instant now = clock.instant();
        long expiration = now.getEpochSecond() + tokenLifetime.toSeconds();
        String header = base64("{\"kid\":\"20251123\",\"alg\":\"RS256\"}");
        String payload = base64("{\"iam_id\":\"iam-" + subject + "\",\"id\":\"iam-" + subject
                + "\",\"realmid\":\"iam\","
                + "\"jti\":\"" + randomId() + "\",\"identifier\":\"" + subject + "\",\"sub\":\"" + subject + "\","
                + "\"sub_type\":\"" + subjectType + "\",\"iat\":" + now.getEpochSecond() + ",\"exp\":" + expiration
                + "}");
        String accessToken = header + "." + payload + "." + base64(randomId());
        expiryByToken.put(accessToken, Instant.ofEpochSecond(expiration));
        return accessToken;
    }

    private String tokenBody(String accessToken) {
        Instant expiresAt = expiryByToken.get(accessToken);
        long life = expiresAt.getEpochSecond() - clock.instant().getEpochSecond();
        return "{\"access_token\":\"" + accessToken + "\",\"refresh_token\":\"not_supported\",\"ims_user_id\":1234567,"
                + "\"token_type\":\"Bearer\",\"expires_in\":" + life + ",\"expiration\":" + expiresAt.getEpochSecond()
                + ",\"scope\":\"ibm openid\"}";
    }

    // "CODE message" for a cr-token request IAM would refuse, else null.
    private String crTokenRefusal(Map<String, String> form) {
        String malformed = malformed(form, CR_TOKEN_FIELDS, "cr_token");
        if (malformed != null) {
            return malformed;
        }
        long named = Set.of("profile_id", "profile_name", "profile_crn").stream()
                .filter(form::containsKey)
                .count();
        if (named != 1) {
            return MALFORMED + " Exactly one of profile_id, profile_name, profile_crn is required.";
        }
        String crToken = form.get("cr_token");
        String computeResource = computeResourceByCrToken.get(crToken);
        if (computeResource == null) {
            return INVALID_TOKEN + " Provided compute resource token is not valid.";
        }
        if (expiredCrTokens.contains(crToken)) {
            return INVALID_TOKEN + " Provided compute resource token has expired.";
        }
        Profile profile = named(form);
        if (profile == null || !profile.computeResources().contains(computeResource)) {
            return NOT_TRUSTED + " The compute resource is not linked to the requested trusted profile.";
        }
        return null;
    }

    // "CODE message" for an assume request IAM would refuse, else null.
    private String assumeRefusal(Map<String, String> form) {
        String malformed = malformed(form, ASSUME_FIELDS, "access_token");
        if (malformed != null) {
            return malformed;
        }
        boolean byName = form.containsKey("profile_name");
        long named = Set.of("profile_id", "profile_name", "profile_crn").stream()
                .filter(form::containsKey)
                .count();
        if (named != 1 || byName != form.containsKey("account")) {
            return MALFORMED + " Exactly one of profile_id, profile_crn, profile_name with account is required.";
        }
        String accessToken = form.get("access_token");
        Instant expiresAt = expiryByToken.get(accessToken);
        String apikey = keyByToken.get(accessToken);
        if (expiresAt == null || apikey == null || !clock.instant().isBefore(expiresAt)) {
            return INVALID_TOKEN + " Provided access token is not valid.";
        }
        Profile profile = named(form);
        if (profile == null || !profile.apikeys().contains(apikey)) {
            return NOT_TRUSTED + " The identity may not assume the requested trusted profile.";
        }
        return null;
    }

    private static String malformed(Map<String, String> form, Set<String> allowed, String required) {
        for (String field : form.keySet()) {
            if (!allowed.contains(field)) {
                return MALFORMED + " Unexpected property '" + field + "'.";
            }
        }
        for (Map.Entry<String, String> field : form.entrySet()) {
            if (field.getValue().isBlank()) {
                return MALFORMED + " Property '" + field.getKey() + "' is empty.";
            }
        }
        return form.containsKey(required) ? null : MALFORMED + " Property '" + required + "' missing.";
    }

    // The profile the form names by id, CRN, or name in the account (or in any account, for the cr-token grant).
    private Profile named(Map<String, String> form) {
        for (Profile profile : profiles) {
            if (profile.id().equals(form.get("profile_id"))
                    || profile.crn().equals(form.get("profile_crn"))
                    || (profile.name().equals(form.get("profile_name"))
                            && (!form.containsKey("account")
                                    || profile.account().equals(form.get("account"))))) {
                return profile;
            }
        }
        return null;
    }

    private Profile profile(String id) {
        return profiles.stream()
                .filter(profile -> profile.id().equals(id))
                .findFirst()
                .orElseThrow();
    }

    private static boolean isForm(String contentType) {
        return contentType != null
                && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded");
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

    private record Profile(
            String id, String name, String crn, String account, Set<String> computeResources, Set<String> apikeys) {}
}
