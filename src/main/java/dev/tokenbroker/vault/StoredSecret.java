package dev.tokenbroker.vault;

import dev.tokenbroker.problem.SecretNotFoundException;
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
 * @param location where the store keeps it, for messages (e.g. {@code Vault KV v2 secret/data/wml-prod}); may be
 *     {@code null}
 */
public record StoredSecret(String name, String version, Map<String, Secret> fields, String location) {

    public StoredSecret {
        fields = Map.copyOf(fields);
    }

    /** A secret whose location needs no mention (the name says it all). */
    public StoredSecret(String name, String version, Map<String, Secret> fields) {
        this(name, version, fields, null);
    }

    /** The field, if present. */
    public Optional<Secret> field(String field) {
        return Optional.ofNullable(fields.get(field));
    }

    /**
     * The field.
     *
     * @throws SecretNotFoundException naming the secret, field and location (never a value) when it is missing
     */
    public Secret require(String field) {
        Secret value = fields.get(field);
        if (value == null) {
            throw new SecretNotFoundException(name, field, location);
        }
        return value;
    }
}
