package dev.tokenbroker.problem;

/** A token endpoint was asked for a grant type it does not implement (400). The message names supported types. */
public final class UnsupportedGrantTypeException extends BrokerException {

    public UnsupportedGrantTypeException(String message) {
        super(ProblemType.UNSUPPORTED_GRANT_TYPE, message);
    }
}
