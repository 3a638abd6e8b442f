package dev.tokenbroker.caller;

/** The caller asked a credential for something its type does not mint, e.g. an IAM token from an {@code iot-app}. */
public final class CredentialTypeMismatchException extends RuntimeException {

    public CredentialTypeMismatchException(String credential, String type, String grant) {
        super(
                "credential '" + credential + "' is of type " + type + ", which does not issue " + grant,
                null,
                false,
                false);
    }
}
