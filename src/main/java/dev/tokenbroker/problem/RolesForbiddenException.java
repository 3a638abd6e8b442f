package dev.tokenbroker.problem;

import java.util.Set;

/**
 * The caller may have keys of this credential, but not with all the roles it asked for (403). The message names the
 * refused role ids, which are checked to be {@code PD_*} ids before they get here.
 */
public final class RolesForbiddenException extends BrokerException {

    public RolesForbiddenException(Set<String> refused) {
        super(ProblemType.ROLES_FORBIDDEN, "roles " + refused + " are not allowed for this caller on this credential");
    }
}
