package dev.tokenbroker.api;

/** A token endpoint was asked for a grant type it does not implement (400). The message names supported types. */
final class UnsupportedGrantTypeException extends RuntimeException {

    UnsupportedGrantTypeException(String message) {
        super(message, null, false, false);
    }
}
