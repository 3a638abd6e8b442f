package dev.tokenbroker.caller;

import java.util.Collection;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;

/**
 * An authenticated caller. Holds the caller id only, never the key or token it presented.
 */
public final class CallerAuthentication extends AbstractAuthenticationToken {

    private final String callerId;

    public CallerAuthentication(String callerId, Collection<? extends GrantedAuthority> authorities) {
        super(authorities);
        this.callerId = callerId;
        setAuthenticated(true);
    }

    /** The caller id: {@code client:{id}}, a JWT {@code sub}, or the sidecar's loopback caller. */
    public String callerId() {
        return callerId;
    }

    @Override
    public Object getCredentials() {
        return null;
    }

    @Override
    public Object getPrincipal() {
        return callerId;
    }

    @Override
    public String getName() {
        return callerId;
    }
}
