package dev.tokenbroker.vault;

import dev.tokenbroker.support.Secret;
import java.util.Map;
import java.util.Optional;

/**
 * One secret as the store holds it now: named fields and a version that changes whenever any field changes.
 * Prints no value: every field is a {@link Secret}.
 *
 * @param name the secret's name, e.g. {@code wml-prod}
 * @param version opaque and comparable for equality only; a new value means the master key changed
 * @param fields the fields by name, e.g. {@code apikey}, {@code token}
 */
public record StoredSecret(String name, String version, Map<String, Secret> fields) {

    public StoredSecret {
        fields = Map.copyOf(fields);
    }

    /** The field, if present. */
    public Optional<Secret> field(String field) {
        return Optional.ofNullable(fields.get(field));
    }

    /**
     * The field.
     *
     * @throws SecretNotFoundException naming the secret and field (never a value) when it is missing
     */
    public Secret require(String field) {
        Secret value = fields.get(field);
        if (value == null) {
            throw new SecretNotFoundException(name, field);
        }
        return value;
    }
}
