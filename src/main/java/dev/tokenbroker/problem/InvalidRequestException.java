package dev.tokenbroker.problem;

/** The request is malformed (400). The message is shown to the caller: it must never quote a secret. */
public sealed class InvalidRequestException extends BrokerException permits MissingParameterException {

    public InvalidRequestException(String message) {
        super(ProblemType.INVALID_REQUEST, message);
    }
}
