package dev.tokenbroker.caller;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The access policy ({@code tokenbroker.policy[*]}): default deny; each rule allows some callers some grants on some
 * credentials. {@code *} is a glob inside one {@code :}-separated segment.
 *
 * @param policy the rules
 */
@ConfigurationProperties("tokenbroker")
public record PolicyProperties(List<Rule> policy) {

    public PolicyProperties {
        policy = policy == null ? List.of() : List.copyOf(policy);
    }

    /**
     * One rule.
     *
     * @param callers caller id globs, e.g. {@code system:serviceaccount:ml:*}, {@code client:batch-job}
     * @param credentials credential name globs, e.g. {@code wml-*}
     * @param grants {@code iam-token} and/or {@code iot-key}
     * @param iotRoles the WIoTP roles callers may ask for ({@code iot-key}; default {@code PD_STANDARD_APP})
     */
    public record Rule(List<String> callers, List<String> credentials, List<String> grants, List<String> iotRoles) {

        public Rule {
            callers = callers == null ? List.of() : List.copyOf(callers);
            credentials = credentials == null ? List.of() : List.copyOf(credentials);
            grants = grants == null ? List.of() : List.copyOf(grants);
            iotRoles = iotRoles == null || iotRoles.isEmpty() ? List.of("PD_STANDARD_APP") : List.copyOf(iotRoles);
        }
    }
}
