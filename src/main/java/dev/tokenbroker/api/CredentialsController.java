package dev.tokenbroker.api;

import dev.tokenbroker.caller.CallerAuthentication;
import dev.tokenbroker.caller.Grant;
import dev.tokenbroker.caller.Policy;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.iot.IotProperties;
import dev.tokenbroker.problem.RolesForbiddenException;
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

/**
 * {@code /v1/credentials}: what a caller may use, IAM tokens and WIoTP keys from it. The one handler of each of these
 * requests, behind the caller API's security chain (which has authenticated the caller): it takes the caller's rate
 * limit, authorizes, issues and answers; errors go to {@link ProblemResponses}.
 */
@RestController
@RequestMapping("/v1/credentials")
class CredentialsController {

    private final Clock clock;
    private final TokenIssuance issuance;
    private final Policy policy;
    private final IotProperties iot;

    CredentialsController(Clock clock, TokenIssuance issuance, Policy policy, IotProperties iot) {
        this.clock = clock;
        this.issuance = issuance;
        this.policy = policy;
        this.iot = iot;
    }

    @GetMapping
    List<Map<String, String>> list(CallerAuthentication caller, ServerWebExchange exchange) {
        issuance.admit(caller, exchange);
        return issuance.visibleTo(caller.callerId()).stream()
                .map(credential -> Map.of(
                        "name", credential.name(), "type", credential.type().id()))
                .toList();
    }

    @PostMapping("/{name}/iam-token")
    Mono<IamTokenResponse> iamToken(
            @PathVariable String name, CallerAuthentication caller, ServerWebExchange exchange) {
        issuance.admit(caller, exchange);
        Credential credential = issuance.authorize(caller.callerId(), name, Grant.IAM_TOKEN, exchange);
        // No body (the usual request): nothing to read, the default minimum validity.
        Mono<IamTokenRequest> request =
                JsonBodies.isAbsent(exchange.getRequest().getHeaders())
                        ? Mono.just(IamTokenRequest.DEFAULT)
                        : JsonBodies.read(exchange, IamTokenRequest.class, IamTokenRequest.DEFAULT);
        return request.flatMap(asked -> issuance.iamToken(
                        caller.callerId(), credential, Duration.ofSeconds(asked.minValidSecondsOrDefault()), exchange))
                .map(token -> noStore(exchange, new IamTokenResponse(token, name, clock.instant())));
    }

    @PostMapping("/{name}/iot-key")
    Mono<IotKeyResponse> iotKey(@PathVariable String name, CallerAuthentication caller, ServerWebExchange exchange) {
        issuance.admit(caller, exchange);
        Credential credential = issuance.authorize(caller.callerId(), name, Grant.IOT_KEY, exchange);
        return JsonBodies.read(exchange, IotKeyRequest.class, IotKeyRequest.DEFAULT)
                .map(request -> allowedRoles(caller, name, request.rolesOrDefault()))
                .flatMap(roles -> issuance.iotKey(caller.callerId(), credential, roles, exchange))
                .map(key -> noStore(exchange, new IotKeyResponse(key, iot.mqttHostFor(key.org()), iot.mqttPort())));
    }

    private Set<String> allowedRoles(CallerAuthentication caller, String name, Set<String> roles) {
        Set<String> refused = new TreeSet<>(roles);
        refused.removeAll(policy.iotRoles(caller.callerId(), name));
        if (!refused.isEmpty()) {
            throw new RolesForbiddenException(refused);
        }
        return roles;
    }

    // A credential's answer: its headers on the response itself (no entity to copy them from).
    private static <T> T noStore(ServerWebExchange exchange, T body) {
        NoStore.apply(exchange.getResponse().getHeaders());
        return body;
    }

    static <T> ResponseEntity<T> noStore(T body) {
        return ResponseEntity.ok().headers(NoStore::apply).body(body);
    }
}
