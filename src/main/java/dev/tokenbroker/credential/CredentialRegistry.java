package dev.tokenbroker.credential;

import dev.tokenbroker.problem.SecretNotFoundException;
import dev.tokenbroker.problem.UpstreamException;
import dev.tokenbroker.vault.SecretRepository;
import dev.tokenbroker.vault.StoredSecret;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The configured credentials, checked once at start-up against the vault: every credential has a known type, a
 * valid name, and a secret with the fields its type needs; a keyless one names exactly one trusted profile and, for
 * {@code iam-trusted-profile}, a compute-resource token file that exists. Immutable after construction; thread-safe.
 */
public final class CredentialRegistry {

    /** What a credential name must look like (DESIGN §2). */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    /**
     * Whether {@code name} matches {@link #NAME}: the same test without a regular expression, for the request path,
     * where a {@code Matcher} cost more than all of a cache hit's other checks.
     */
    public static boolean isWellFormed(CharSequence name, int start, int end) {
        int length = end - start;
        if (length < 1 || length > 63 || name.charAt(start) == '-') {
            return false;
        }
        for (int i = start; i < end; i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** {@link #isWellFormed(CharSequence, int, int)} of a whole name; false for null. */
    public static boolean isWellFormed(String name) {
        return name != null && isWellFormed(name, 0, name.length());
    }

    // WIoTP organisation ids are six lower-case letters and digits; they become a host name and a URL path segment.
    private static final Pattern IOT_ORG = Pattern.compile("[a-z0-9]{1,32}");

    private static final Duration STARTUP_READ_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Where IBM's SDKs look for the compute-resource token when none is configured, in this order: a Vault-style
     * projected token, the IKS/ROKS projected service-account token, Code Engine's token (DESIGN §1).
     */
    public static final List<Path> DEFAULT_CR_TOKEN_FILES = List.of(
            Path.of("/var/run/secrets/tokens/vault-token"),
            Path.of("/var/run/secrets/tokens/sa-token"),
            Path.of("/var/run/secrets/codeengine.cloud.ibm.com/compute-resource-token/token"));

    private final Map<String, Credential> credentials;

    private CredentialRegistry(Map<String, Credential> credentials) {
        this.credentials = java.util.Collections.unmodifiableMap(new TreeMap<>(credentials));
    }

    /**
     * Builds the registry, reading each secret once (blocking: start-up only).
     *
     * @throws InvalidConfigurationException listing every problem found, one per line
     */
    public static CredentialRegistry load(CredentialProperties properties, SecretRepository secrets) {
        return load(properties, secrets, DEFAULT_CR_TOKEN_FILES);
    }

    /** {@link #load(CredentialProperties, SecretRepository)} with other default compute-resource token files. */
    static CredentialRegistry load(
            CredentialProperties properties, SecretRepository secrets, List<Path> defaultCrTokenFiles) {
        List<String> problems = new ArrayList<>();
        Map<String, Credential> credentials = new TreeMap<>();
        properties.credentials().forEach((name, definition) -> {
            Credential credential = toCredential(name, definition, defaultCrTokenFiles, problems);
            if (credential != null) {
                if (credential.secret() != null) {
                    checkSecret(credential, secrets, problems);
                }
                credentials.put(name, credential);
            }
        });
        if (!problems.isEmpty()) {
            throw new InvalidConfigurationException(problems);
        }
        return new CredentialRegistry(credentials);
    }

    /** The credential of that name, if configured. */
    public Optional<Credential> find(String name) {
        return Optional.ofNullable(credentials.get(name));
    }

    /** Every credential, ordered by name. */
    public Collection<Credential> all() {
        return credentials.values();
    }

    private static Credential toCredential(
            String name,
            CredentialProperties.Definition definition,
            List<Path> defaultCrTokenFiles,
            List<String> problems) {
        if (!NAME.matcher(name).matches()) {
            problems.add("credential '" + name + "': name must match " + NAME.pattern());
            return null;
        }
        Optional<CredentialType> type = Arrays.stream(CredentialType.values())
                .filter(candidate -> candidate.id().equals(definition.type()))
                .findFirst();
        if (type.isEmpty()) {
            problems.add("credential '" + name + "': unknown type '" + definition.type() + "' (expected one of "
                    + Arrays.stream(CredentialType.values())
                            .map(CredentialType::id)
                            .collect(Collectors.joining(", "))
                    + ")");
            return null;
        }
        if (type.get() == CredentialType.IOT_APP
                && (definition.org() == null || definition.org().isBlank())) {
            problems.add("credential '" + name + "': type iot-app needs an 'org'");
            return null;
        }
        if (type.get() == CredentialType.IOT_APP
                && !IOT_ORG.matcher(definition.org()).matches()) {
            problems.add("credential '" + name + "': org must be a WIoTP organisation id (" + IOT_ORG.pattern() + ")");
            return null;
        }
        if (type.get().forTrustedProfile()) {
            return KeylessDefinitions.toCredential(name, type.get(), definition, defaultCrTokenFiles, problems);
        }
        List<String> keyless = KeylessDefinitions.settings(definition);
        if (!keyless.isEmpty()) {
            problems.add("credential '" + name + "': type " + type.get().id() + " takes no "
                    + String.join(", ", keyless) + " (only iam-trusted-profile and iam-assume do)");
            return null;
        }
        String secret = definition.secret() == null || definition.secret().isBlank() ? name : definition.secret();
        return new Credential(name, type.get(), secret, definition.org(), definition.ttl());
    }

    private static void checkSecret(Credential credential, SecretRepository secrets, List<String> problems) {
        String prefix = "credential '" + credential.name() + "': ";
        try {
            StoredSecret secret = secrets.read(credential.secret()).block(STARTUP_READ_TIMEOUT);
            for (String field : credential.type().requiredFields()) {
                if (secret == null || secret.field(field).isEmpty()) {
                    String location = secret == null ? null : secret.location();
                    problems.add(
                            prefix + new SecretNotFoundException(credential.secret(), field, location).getMessage());
                }
            }
        } catch (SecretNotFoundException e) {
            problems.add(prefix + e.getMessage());
        } catch (UpstreamException e) {
            // Upstream messages name the store and what went wrong, never a value (see UpstreamException).
            problems.add(prefix + "secret '" + credential.secret() + "' could not be read: " + e.getMessage());
        } catch (RuntimeException e) {
            problems.add(prefix + "secret '" + credential.secret() + "' could not be read ("
                    + e.getClass().getSimpleName() + ")");
        }
    }
}
