package dev.tokenbroker.problem;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;

/**
 * A failure of the HTTP exchange itself rather than of the broker's work, translated from the framework at the edge:
 * no such endpoint, a method or media type not served, a body that timed out, access denied, or any other status
 * (then without a catalogue type: {@code about:blank}).
 */
public final class HttpProblemException extends BrokerException {

    private final HttpStatus status;
    private final HttpHeaders headers;

    /** A failure of a catalogued type, with extra headers (e.g. {@code Accept} for 415). */
    public HttpProblemException(ProblemType type, String detail, HttpHeaders headers) {
        super(type, detail);
        this.status = type.status();
        this.headers = headers;
    }

    /** A failure with a status the catalogue has no type for: its reason phrase is its title and detail. */
    public HttpProblemException(HttpStatus status) {
        super(null, status.getReasonPhrase());
        this.status = status;
        this.headers = HttpHeaders.EMPTY;
    }

    @Override
    public String auditReason() {
        return type() == null ? "http-" + status.value() : type().slug();
    }

    @Override
    public String title() {
        return type() == null ? status.getReasonPhrase() : type().title();
    }

    @Override
    public HttpStatusCode getStatusCode() {
        return status;
    }

    @Override
    public HttpHeaders getHeaders() {
        return headers;
    }
}
