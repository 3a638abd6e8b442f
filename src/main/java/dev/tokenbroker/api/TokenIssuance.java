package dev.tokenbroker.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tokenbroker.audit.AuditLog;
import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.caller.CallerAuthentication;
import dev.tokenbroker.caller.CallerRateLimiter;
import dev.tokenbroker.caller.CredentialAccess;
import dev.tokenbroker.caller.Grant;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.iam.IamToken;
import dev.tokenbroker.iot.IotAppKey;
import dev.tokenbroker.problem.InvalidRequestException;
import dev.tokenbroker.problem.RateLimitedException;
import dev.tokenbroker.problem.UnauthenticatedException;
import dev.tokenbroker.support.CacheMaintenance;
import dev.tokenbroker.support.Secret;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The steps every endpoint that hands out a credential shares, whichever shape it speaks ({@code /v1}, the IAM
 * facade, RFC 8693): authenticate a credential presented in a body, take one request from the caller's rate limit
 * (the one place it is taken), check the name, authorize against policy, issue from the cache and note the audit
 * verdict (written by {@link AuditedResponses} before the answer is sent). Keeps the {@link AuditContext} of the
 * exchange current, so that a refusal is audited with what was known at the time. Thread-safe.
 */
@Component
final class TokenIssuance {

    private static final int FINGERPRINTS = 10_000;

    private final ReactiveAuthenticationManager callers;
    private final CallerRateLimiter rateLimits;
    private final CredentialAccess access;
    private final CredentialIssuer issuer;
    private final AuditLog audit;
    private final Cache<Secret, String> fingerprints = Caffeine.newBuilder()
            .executor(CacheMaintenance.IN_CALLER)
            .weakKeys()
            .maximumSize(FINGERPRINTS)
            .build();

    TokenIssuance(
            ReactiveAuthenticationManager callerAuthenticationManager,
            CallerRateLimiter rateLimits,
            CredentialAccess access,
            CredentialIssuer issuer,
            AuditLog audit) {
        this.callers = callerAuthenticationManager;
        this.rateLimits = rateLimits;
        this.access = access;
        this.issuer = issuer;
        this.audit = audit;
    }

    /**
     * Authenticates a caller credential that came in a request body (a {@code tbk_} client key or a workload JWT)
     * with the same authentication manager that guards {@code Authorization: Bearer} on {@code /v1}, then admits it
     * ({@link #admit}).
     *
     * @return the caller, or {@link UnauthenticatedException} (never quoting the credential), or
     *     {@link RateLimitedException}
     */
    Mono<CallerAuthentication> authenticate(Secret presented, ServerWebExchange exchange) {
        return callers.authenticate(new BearerTokenAuthenticationToken(presented.reveal()))
                .onErrorMap(AuthenticationException.class, rejected -> new UnauthenticatedException())
                .ofType(CallerAuthentication.class)
                .switchIfEmpty(Mono.error(UnauthenticatedException::new))
                .map(caller -> {
                    AuditContext known = AuditContext.of(exchange);
                    AuditContext.put(exchange, new AuditContext(caller.callerId(), known.credential(), known.grant()));
                    admit(caller, exchange);
                    return caller;
                });
    }

    /**
     * Takes one request from the caller's rate limit: every caller request does, once, before anything else is
     * looked at.
     *
     * @throws RateLimitedException when the caller is over its limit (noted for the audit with the caller alone)
     */
    void admit(CallerAuthentication caller, ServerWebExchange exchange) {
        Duration wait = rateLimits.acquire(caller.callerId());
        if (!wait.isZero()) {
            AuditContext.put(exchange, new AuditContext(caller.callerId(), null, null));
            throw RateLimitedException.after(wait);
        }
    }

    /**
     * Notes what is asked for (for the audit line of a refusal), then checks the name and the policy.
     *
     * @throws InvalidRequestException if the name is malformed
     * @throws dev.tokenbroker.problem.CredentialForbiddenException if it is unknown or not allowed
     * @throws dev.tokenbroker.problem.CredentialTypeMismatchException if its type does not issue this grant
     */
    Credential authorize(String caller, String name, Grant grant, ServerWebExchange exchange) {
        boolean wellFormed = CredentialRegistry.isWellFormed(name);
        AuditContext.put(exchange, new AuditContext(caller, wellFormed ? name : null, grant.id()));
        if (!wellFormed) {
            throw new InvalidRequestException("credential name must match " + CredentialRegistry.NAME.pattern());
        }
        return access.authorize(caller, name, grant);
    }

    /** Notes the credential and grant asked for before the caller is known, so a refusal is audited with them. */
    void asking(String name, Grant grant, ServerWebExchange exchange) {
        boolean wellFormed = CredentialRegistry.isWellFormed(name);
        AuditContext.put(
                exchange, new AuditContext(AuditContext.of(exchange).caller(), wellFormed ? name : null, grant.id()));
    }

    /** The credentials this caller has any grant on. */
    List<Credential> visibleTo(String caller) {
        return access.visibleTo(caller);
    }

    /** Whether this caller has any grant at all, on any credential. */
    boolean hasAnyGrant(String caller) {
        return !access.visibleTo(caller).isEmpty();
    }

    /**
     * An IAM token for an authorized caller, valid for at least {@code minValid}; audited as issued.
     *
     * @return the token, or the issuer's upstream / vault errors
     */
    Mono<IamToken> iamToken(String caller, Credential credential, Duration minValid, ServerWebExchange exchange) {
        return issuer.iamToken(credential, minValid)
                .doOnNext(token -> AuditedResponses.issued(exchange, fingerprint(token.accessToken())));
    }

    /**
     * A WIoTP application key with these roles for an authorized caller; audited as issued.
     *
     * @return the key, or the issuer's upstream / vault errors
     */
    Mono<IotAppKey> iotKey(String caller, Credential credential, Set<String> roles, ServerWebExchange exchange) {
        return issuer.iotKey(credential, roles)
                .doOnNext(key -> AuditedResponses.issued(exchange, fingerprint(key.token())));
    }

    // A cached credential is handed out as the same Secret instance until it is replaced: its fingerprint is
    // worked out once (weak keys compare by identity and let a replaced one go).
    String fingerprint(Secret issued) {
        return fingerprints.get(issued, audit::fingerprint);
    }

    /** Notes, for the audit, a refusal that is answered in a drop-in dialect rather than by {@link ProblemResponses}. */
    void refused(ServerWebExchange exchange, int status, String reason) {
        AuditedResponses.refused(exchange, status, reason);
    }
}
