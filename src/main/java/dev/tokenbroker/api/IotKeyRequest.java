package dev.tokenbroker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tokenbroker.problem.InvalidRequestException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Body of {@code POST /v1/credentials/{name}/iot-key}.
 *
 * @param roles the WIoTP roles the key is minted with; absent means {@code ["PD_STANDARD_APP"]}. At most 16 role ids
 *     of the form {@code PD_[A-Z_]+}; duplicates are ignored
 */
record IotKeyRequest(@JsonProperty("roles") List<String> roles) {

    static final IotKeyRequest DEFAULT = new IotKeyRequest(null);
    static final String DEFAULT_ROLE = "PD_STANDARD_APP";
    private static final Pattern ROLE = Pattern.compile("PD_[A-Z_]{1,60}");
    private static final int MAX_ROLES = 16;

    /** The roles asked for, sorted. @throws InvalidRequestException when they are not role ids */
    Set<String> rolesOrDefault() {
        if (roles == null) {
            return Set.of(DEFAULT_ROLE);
        }
        if (roles.isEmpty() || roles.size() > MAX_ROLES) {
            throw new InvalidRequestException("roles must list 1 to " + MAX_ROLES + " role ids");
        }
        Set<String> sorted = new TreeSet<>();
        for (String role : roles) {
            if (role == null || !ROLE.matcher(role).matches()) {
                throw new InvalidRequestException("roles must be WIoTP role ids such as PD_STANDARD_APP");
            }
            sorted.add(role);
        }
        return sorted;
    }
}
