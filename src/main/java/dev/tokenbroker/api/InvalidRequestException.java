package dev.tokenbroker.api;

/** The request is malformed (400). The message is shown to the caller: it must never quote a secret. */
public final class InvalidRequestException extends RuntimeException {

    public InvalidRequestException(String message) {
        super(message, null, false, false);
    }
}
