package dev.tokenbroker.api;

import dev.tokenbroker.caller.CallerAuthentication;
import dev.tokenbroker.caller.CredentialAccess;
import dev.tokenbroker.caller.Grant;
import dev.tokenbroker.caller.Policy;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.iam.IamToken;
import dev.tokenbroker.iot.IotProperties;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/** {@code /v1/credentials}: what a caller may use, IAM tokens and WIoTP keys from it. */
@RestController
@RequestMapping("/v1/credentials")
class CredentialsController {

    private final CredentialAccess access;
    private final Clock clock;
    private final TokenIssuance issuance;
    private final Policy policy;
    private final IotProperties iot;

    CredentialsController(
            CredentialAccess access, Clock clock, TokenIssuance issuance, Policy policy, IotProperties iot) {
        this.access = access;
        this.clock = clock;
        this.issuance = issuance;
        this.policy = policy;
        this.iot = iot;
    }

    @GetMapping
    List<Map<String, String>> list(CallerAuthentication caller) {
        return access.visibleTo(caller.callerId()).stream()
                .map(credential -> Map.of(
                        "name", credential.name(), "type", credential.type().id()))
                .toList();
    }

    @PostMapping("/{name}/iam-token")
    Mono<ResponseEntity<IamTokenResponse>> iamToken(
            @PathVariable String name, CallerAuthentication caller, ServerWebExchange exchange) {
        Credential credential = authorize(caller, name, Grant.IAM_TOKEN, exchange);
        return JsonBodies.read(exchange, IamTokenRequest.class, IamTokenRequest.DEFAULT)
                .flatMap(request -> iamToken(name, credential, caller, request, exchange));
    }

    /**
     * {@link #iamToken} for a request without a body (the default minimum validity), for the hot path
     * ({@link TokenEndpoints}): the answer itself for a cache hit, otherwise null, and {@link #iamTokenWithoutBody}
     * answers. What it throws, {@link #iamToken} would signal.
     */
    ResponseEntity<IamTokenResponse> cachedIamToken(
            String name, CallerAuthentication caller, ServerWebExchange exchange) {
        Credential credential = authorize(caller, name, Grant.IAM_TOKEN, exchange);
        IamToken token = issuance.cachedIamToken(credential, IamTokenRequest.DEFAULT_MIN_VALID, exchange);
        return token == null ? null : noStore(new IamTokenResponse(token, name, clock.instant()));
    }

    /** {@link #iamToken} for a request without a body, which is not read (it may have been read already). */
    Mono<ResponseEntity<IamTokenResponse>> iamTokenWithoutBody(
            String name, CallerAuthentication caller, ServerWebExchange exchange) {
        Credential credential = authorize(caller, name, Grant.IAM_TOKEN, exchange);
        return iamToken(name, credential, caller, IamTokenRequest.DEFAULT, exchange);
    }

    private Mono<ResponseEntity<IamTokenResponse>> iamToken(
            String name,
            Credential credential,
            CallerAuthentication caller,
            IamTokenRequest request,
            ServerWebExchange exchange) {
        Duration minValid = Duration.ofSeconds(request.minValidSecondsOrDefault());
        return issuance.iamToken(caller.callerId(), credential, minValid, exchange)
                .map(token -> noStore(new IamTokenResponse(token, name, clock.instant())));
    }

    @PostMapping("/{name}/iot-key")
    Mono<ResponseEntity<IotKeyResponse>> iotKey(
            @PathVariable String name, CallerAuthentication caller, ServerWebExchange exchange) {
        Credential credential = authorize(caller, name, Grant.IOT_KEY, exchange);
        return JsonBodies.read(exchange, IotKeyRequest.class, IotKeyRequest.DEFAULT)
                .map(request -> allowedRoles(caller, name, request.rolesOrDefault()))
                .flatMap(roles -> issuance.iotKey(caller.callerId(), credential, roles, exchange))
                .map(key -> noStore(new IotKeyResponse(key, iot.mqttHostFor(key.org()), iot.mqttPort())));
    }

    private Set<String> allowedRoles(CallerAuthentication caller, String name, Set<String> roles) {
        Set<String> refused = new TreeSet<>(roles);
        refused.removeAll(policy.iotRoles(caller.callerId(), name));
        if (!refused.isEmpty()) {
            throw new IotRolesForbiddenException(refused);
        }
        return roles;
    }

    private Credential authorize(CallerAuthentication caller, String name, Grant grant, ServerWebExchange exchange) {
        return issuance.authorize(caller.callerId(), name, grant, exchange);
    }

    static <T> ResponseEntity<T> noStore(T body) {
        return ResponseEntity.ok().headers(NoStore::apply).body(body);
    }
}
