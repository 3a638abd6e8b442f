package dev.tokenbroker.caller;

/**
 * The caller may not have this credential, or it does not exist: one answer for both (403), so that callers cannot
 * enumerate credentials.
 */
public final class CredentialForbiddenException extends RuntimeException {

    public CredentialForbiddenException() {
        super("credential unknown or not allowed for this caller", null, false, false);
    }
}
