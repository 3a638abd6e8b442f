package dev.tokenbroker.vault;

/** A secret, or one of its fields, is not in the store. The message names them, never a value. */
public final class SecretNotFoundException extends RuntimeException {

    private final String secret;
    private final String field;

    public SecretNotFoundException(String secret, String field) {
        super(
                field == null
                        ? "secret '" + secret + "' not found"
                        : "secret '" + secret + "' has no field '" + field + "'");
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
