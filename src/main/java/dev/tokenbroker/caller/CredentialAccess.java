package dev.tokenbroker.caller;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.credential.CredentialType;
import dev.tokenbroker.problem.CredentialForbiddenException;
import dev.tokenbroker.problem.CredentialTypeMismatchException;
import dev.tokenbroker.support.CacheMaintenance;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Decides whether a caller gets a grant on a credential: the policy and the registry, in one answer. Both are fixed
 * for the life of the application context, so a decision that grants is remembered per (caller, credential, grant)
 * for as long as this bean lives (at most {@value #REMEMBERED} of them, least recently used first out); a refusal is
 * worked out afresh each time, so that unknown names cannot crowd out the callers that are served. Thread-safe.
 */
@Component
public final class CredentialAccess {

    private static final int REMEMBERED = 10_000;

    private final CredentialRegistry registry;
    private final Policy policy;
    private final Cache<Ask, Credential> granted = Caffeine.newBuilder()
            .executor(CacheMaintenance.IN_CALLER)
            .maximumSize(REMEMBERED)
            .build();

    CredentialAccess(CredentialRegistry registry, Policy policy) {
        this.registry = registry;
        this.policy = policy;
    }

    /**
     * The credential, if this caller may have this grant on it.
     *
     * @throws CredentialForbiddenException if it does not exist or the caller has no grant on it at all
     * @throws CredentialTypeMismatchException if the caller may use it but its type does not issue this grant
     */
    public Credential authorize(String caller, String name, Grant grant) {
        Ask ask = new Ask(caller, name, grant);
        Credential known = granted.getIfPresent(ask);
        if (known != null) {
            return known;
        }
        Credential credential = decide(caller, name, grant);
        granted.put(ask, credential);
        return credential;
    }

    private Credential decide(String caller, String name, Grant grant) {
        Credential credential = registry.find(name).orElseThrow(CredentialForbiddenException::new);
        if (policy.grants(caller, name).isEmpty()) {
            throw new CredentialForbiddenException();
        }
        if (!issues(credential.type(), grant)) {
            throw new CredentialTypeMismatchException(name, credential.type().id(), grant.id());
        }
        if (!policy.allows(caller, name, grant)) {
            throw new CredentialForbiddenException();
        }
        return credential;
    }

    // IAM tokens from every IAM type (apikey, trusted profile, assume); WIoTP keys from iot-app.
    private static boolean issues(CredentialType type, Grant grant) {
        return grant == Grant.IOT_KEY ? type == CredentialType.IOT_APP : type.mintsIamTokens();
    }

    private record Ask(String caller, String credential, Grant grant) {}

    /** The credentials this caller has any grant on, by name. */
    public List<Credential> visibleTo(String caller) {
        return policy.visibleTo(caller, registry.all());
    }
}
