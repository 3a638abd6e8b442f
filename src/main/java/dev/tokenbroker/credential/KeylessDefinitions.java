package dev.tokenbroker.credential;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

// Start-up checks of the keyless credential types (DESIGN §4), one line per problem: which trusted profile, which
// compute-resource token file, which master key. Checks that a file exists; never reads it (its content is a secret).
final class KeylessDefinitions {

    private KeylessDefinitions() {}

    /** The keyless settings a definition has, by their property names (for types that take none). */
    static List<String> settings(CredentialProperties.Definition definition) {
        List<String> set = new ArrayList<>(profileFields(definition).keySet());
        if (present(definition.account())) {
            set.add("account");
        }
        if (present(definition.crTokenFile())) {
            set.add("cr-token-file");
        }
        return set;
    }

    /** The credential, or null with the problems added. */
    static Credential toCredential(
            String name,
            CredentialType type,
            CredentialProperties.Definition definition,
            List<Path> defaultCrTokenFiles,
            List<String> problems) {
        String prefix = "credential '" + name + "': ";
        int before = problems.size();
        Map<String, String> profile = profileFields(definition);
        if (profile.size() != 1) {
            String found = profile.isEmpty() ? "none" : String.join(" and ", profile.keySet());
            problems.add(prefix + "type " + type.id() + " needs exactly one of profile-id, profile-name, profile-crn"
                    + " (found " + found + ")");
        }
        String secret = null;
        Path crTokenFile = null;
        if (type == CredentialType.IAM_TRUSTED_PROFILE) {
            if (present(definition.secret())) {
                problems.add(prefix + "type iam-trusted-profile takes no 'secret': it mints without a master key");
            }
            if (present(definition.account())) {
                problems.add(prefix + "type iam-trusted-profile takes no 'account': IAM looks a profile name up in the"
                        + " compute resource's own account");
            }
            crTokenFile = crTokenFile(prefix, definition.crTokenFile(), defaultCrTokenFiles, problems);
        } else {
            if (!present(definition.secret())) {
                problems.add(prefix + "type iam-assume needs a 'secret': the vault secret whose apikey assumes the"
                        + " profile");
            }
            if (present(definition.profileName()) != present(definition.account())) {
                problems.add(prefix + "type iam-assume takes 'account' exactly when it names the profile by"
                        + " 'profile-name'");
            }
            if (present(definition.crTokenFile())) {
                problems.add(prefix + "type iam-assume takes no 'cr-token-file': it assumes the profile with its"
                        + " master key's token");
            }
            secret = definition.secret();
        }
        if (problems.size() > before) {
            return null;
        }
        TrustedProfile trusted = new TrustedProfile(
                blankToNull(definition.profileId()),
                blankToNull(definition.profileName()),
                blankToNull(definition.profileCrn()),
                blankToNull(definition.account()));
        return new Credential(name, type, secret, null, null, trusted, crTokenFile);
    }

    // The configured file, which must exist; else the first of IBM's default paths that exists, as IBM's SDKs pick it.
    private static Path crTokenFile(String prefix, String configured, List<Path> defaults, List<String> problems) {
        if (present(configured)) {
            Path file;
            try {
                file = Path.of(configured);
            } catch (InvalidPathException e) {
                problems.add(prefix + "cr-token-file '" + configured + "' is not a valid path");
                return null;
            }
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                problems.add(prefix + "cr-token-file '" + configured + "' does not exist or cannot be read (mount a"
                        + " projected service-account token with audience iam there; see docs/keyless.md)");
                return null;
            }
            return file;
        }
        for (Path candidate : defaults) {
            if (Files.isRegularFile(candidate) && Files.isReadable(candidate)) {
                return candidate;
            }
        }
        problems.add(prefix + "no cr-token-file given and none of the default paths exists ("
                + defaults.stream().map(Path::toString).collect(Collectors.joining(", ")) + ")");
        return null;
    }

    private static Map<String, String> profileFields(CredentialProperties.Definition definition) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (present(definition.profileId())) {
            fields.put("profile-id", definition.profileId());
        }
        if (present(definition.profileName())) {
            fields.put("profile-name", definition.profileName());
        }
        if (present(definition.profileCrn())) {
            fields.put("profile-crn", definition.profileCrn());
        }
        return fields;
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }

    private static String blankToNull(String value) {
        return present(value) ? value.strip() : null;
    }
}
