package dev.tokenbroker.caller;

import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.credential.InvalidConfigurationException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Default-deny access policy. Immutable; thread-safe. Built once at start-up, failing on a rule that names an
 * unknown grant or matches no configured credential.
 */
public final class Policy {

    private static final Pattern IOT_ROLE = Pattern.compile("PD_[A-Z_]+");

    private final List<CompiledRule> rules;

    private Policy(List<CompiledRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /**
     * Compiles and checks the rules.
     *
     * @throws InvalidConfigurationException one line per problem
     */
    public static Policy load(PolicyProperties properties, CredentialRegistry registry) {
        List<String> problems = new ArrayList<>();
        List<CompiledRule> rules = new ArrayList<>();
        for (int index = 0; index < properties.policy().size(); index++) {
            PolicyProperties.Rule rule = properties.policy().get(index);
            String where = "policy[" + index + "]";
            Set<Grant> grants = new TreeSet<>();
            for (String grant : rule.grants()) {
                Grant.fromId(grant)
                        .ifPresentOrElse(
                                grants::add,
                                () -> problems.add(
                                        where + ": unknown grant '" + grant + "' (expected iam-token or iot-key)"));
            }
            if (rule.callers().isEmpty()
                    || rule.credentials().isEmpty()
                    || rule.grants().isEmpty()) {
                problems.add(where + ": needs callers, credentials and grants");
            }
            List<Pattern> credentials = globs(rule.credentials());
            for (int c = 0; c < credentials.size(); c++) {
                Pattern glob = credentials.get(c);
                if (registry.all().stream()
                        .noneMatch(credential -> glob.matcher(credential.name()).matches())) {
                    problems.add(
                            where + ": credentials '" + rule.credentials().get(c) + "' names no configured credential");
                }
            }
            rule.iotRoles().stream()
                    .filter(role -> !IOT_ROLE.matcher(role).matches())
                    .forEach(role -> problems.add(where + ": iot-roles '" + role + "' is not a PD_* role id"));
            rules.add(new CompiledRule(globs(rule.callers()), credentials, grants, Set.copyOf(rule.iotRoles())));
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigurationException(problems);
        }
        return new Policy(rules);
    }

    /** Whether some rule gives this caller this grant on this credential. */
    public boolean allows(String caller, String credential, Grant grant) {
        return rules.stream().anyMatch(rule -> rule.grants.contains(grant) && rule.matches(caller, credential));
    }

    /** The grants this caller has on this credential, in declaration order of {@link Grant}. */
    public Set<Grant> grants(String caller, String credential) {
        return rules.stream()
                .filter(rule -> rule.matches(caller, credential))
                .flatMap(rule -> rule.grants.stream())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The WIoTP roles this caller may ask for on this credential (empty if it has no {@code iot-key} grant). */
    public Set<String> iotRoles(String caller, String credential) {
        return rules.stream()
                .filter(rule -> rule.grants.contains(Grant.IOT_KEY) && rule.matches(caller, credential))
                .flatMap(rule -> rule.iotRoles.stream())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The credentials this caller has any grant on. */
    public List<Credential> visibleTo(String caller, Collection<Credential> credentials) {
        return credentials.stream()
                .filter(credential -> !grants(caller, credential.name()).isEmpty())
                .toList();
    }

    private static List<Pattern> globs(List<String> globs) {
        return globs.stream().map(Policy::glob).toList();
    }

    // '*' matches within one ':'-separated segment; everything else is literal.
    static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (String literal : glob.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append("[^:]*");
            }
            regex.append(Pattern.quote(literal));
        }
        return Pattern.compile(regex.toString());
    }

    private record CompiledRule(
            List<Pattern> callers, List<Pattern> credentials, Set<Grant> grants, Set<String> iotRoles) {

        boolean matches(String caller, String credential) {
            return callers.stream().anyMatch(glob -> glob.matcher(caller).matches())
                    && credentials.stream()
                            .anyMatch(glob -> glob.matcher(credential).matches());
        }
    }
}
