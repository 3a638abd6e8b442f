package dev.tokenbroker.problem;

/** The caller authenticated but may use no credential at all (RFC 6749's {@code unauthorized_client}). */
public final class NoGrantsException extends BrokerException {

    public NoGrantsException() {
        super(ProblemType.FORBIDDEN, "this caller may not exchange tokens for any credential");
    }
}
