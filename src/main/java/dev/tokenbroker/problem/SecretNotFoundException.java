package dev.tokenbroker.problem;

/**
 * A secret, or one of its fields, is not in the store. The message names the secret, the field and where the store
 * looked (e.g. the Vault path), never a value.
 */
public final class SecretNotFoundException extends BrokerException {

    private final String secret;
    private final String field;

    public SecretNotFoundException(String secret, String field) {
        this(secret, field, null);
    }

    /**
     * @param secret the secret's name
     * @param field the missing field, or {@code null} when the whole secret is missing
     * @param location where the store looked, e.g. {@code Vault KV v2 secret/data/token-broker/wml-prod}; may be
     *     {@code null}
     */
    public SecretNotFoundException(String secret, String field, String location) {
        super(
                ProblemType.MASTER_KEY_MISSING,
                (field == null
                                ? "secret '" + secret + "' not found"
                                : "secret '" + secret + "' has no field '" + field + "'")
                        + (location == null ? "" : " (" + location + ")"));
        this.secret = secret;
        this.field = field;
    }

    public String secret() {
        return secret;
    }

    /** The missing field, or {@code null} when the whole secret is missing. */
    public String field() {
        return field;
    }
}
