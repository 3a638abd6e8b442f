package dev.tokenbroker.problem;

/**
 * The caller may not have this credential, or it does not exist: one answer for both (403), so that callers cannot
 * enumerate credentials.
 */
public final class CredentialForbiddenException extends BrokerException {

    public CredentialForbiddenException() {
        super(ProblemType.CREDENTIAL_FORBIDDEN, "credential unknown or not allowed for this caller");
    }
}
