package dev.tokenbroker.problem;

import org.springframework.http.HttpHeaders;

/**
 * The caller presented no credential the broker accepts (401 with RFC 6750's {@code WWW-Authenticate}), in a header
 * or, on the drop-in endpoints, in the body. The message never contains the credential.
 */
public final class UnauthenticatedException extends BrokerException {

    private final String challenge;

    /** A credential presented in a request body that is not one the broker accepts. */
    public UnauthenticatedException() {
        this("Bearer");
    }

    /** @param challenge the {@code WWW-Authenticate} value, e.g. {@code Bearer error="invalid_token"} */
    public UnauthenticatedException(String challenge) {
        super(ProblemType.UNAUTHORIZED, "a valid bearer credential is required");
        this.challenge = challenge;
    }

    @Override
    public HttpHeaders getHeaders() {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.WWW_AUTHENTICATE, challenge);
        return headers;
    }
}
