package dev.tokenbroker.problem;

import org.springframework.http.HttpHeaders;

/**
 * An issuance's audit line could not be written (the audit output failed, or stopped taking lines long enough for
 * its queue to fill): the credential is not handed out (503), as Vault refuses to answer when no audit device can
 * log.
 */
public final class AuditUnavailableException extends BrokerException {

    public AuditUnavailableException(String message) {
        super(ProblemType.AUDIT_UNAVAILABLE, message);
    }

    @Override
    public HttpHeaders getHeaders() {
        return RetryAfter.headers(1);
    }
}
