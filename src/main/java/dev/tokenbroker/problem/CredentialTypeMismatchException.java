package dev.tokenbroker.problem;

/**
 * The caller asked a credential for something its type does not mint, e.g. an IAM token from an {@code iot-app} (400).
 */
public final class CredentialTypeMismatchException extends BrokerException {

    public CredentialTypeMismatchException(String credential, String type, String grant) {
        super(
                ProblemType.WRONG_CREDENTIAL_TYPE,
                "credential '" + credential + "' is of type " + type + ", which does not issue " + grant);
    }
}
