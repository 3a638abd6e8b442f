package dev.tokenbroker.api;

/**
 * A caller credential presented in a request body (an IAM facade {@code apikey} or {@code cr_token}, an RFC 8693
 * {@code subject_token}) is not one the broker accepts. The message never contains the credential.
 */
final class InvalidCallerCredentialException extends RuntimeException {

    InvalidCallerCredentialException() {
        super("caller credential not accepted", null, false, false);
    }
}
