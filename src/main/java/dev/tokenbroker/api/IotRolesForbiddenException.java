package dev.tokenbroker.api;

import java.util.Set;

/**
 * The caller may have keys of this credential, but not with all the roles it asked for (403). The message names the
 * refused role ids, which are checked to be {@code PD_*} ids before they get here.
 */
final class IotRolesForbiddenException extends RuntimeException {

    IotRolesForbiddenException(Set<String> refused) {
        super("roles " + refused + " are not allowed for this caller on this credential", null, false, false);
    }
}
