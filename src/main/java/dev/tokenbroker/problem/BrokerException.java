package dev.tokenbroker.problem;

import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponse;

/**
 * A failure the broker answers a caller with: its problem type (hence status and audit reason), a detail safe to show
 * the caller, and the headers the answer carries ({@code Retry-After}, {@code WWW-Authenticate}). Messages never quote
 * a secret, an upstream body or a header. Subclasses are the whole family, so that every dialect that renders them
 * (problem details, IAM's errors, RFC 6749's) handles each; none carries a stack trace unless it wraps a cause.
 */
public abstract sealed class BrokerException extends RuntimeException implements ErrorResponse
        permits AuditUnavailableException,
                CredentialForbiddenException,
                CredentialTypeMismatchException,
                HttpProblemException,
                InvalidRequestException,
                NoGrantsException,
                RateLimitedException,
                RolesForbiddenException,
                SecretNotFoundException,
                UnauthenticatedException,
                UnsupportedGrantTypeException,
                UpstreamException {

    private final ProblemType type;

    protected BrokerException(ProblemType type, String detail) {
        this(type, detail, null);
    }

    protected BrokerException(ProblemType type, String detail, Throwable cause) {
        super(detail, cause, false, cause != null);
        this.type = type;
    }

    /** Where this failure sits in the problem catalogue; null only for a generic HTTP status (about:blank). */
    public ProblemType type() {
        return type;
    }

    /** The reason written in the refusal's audit line. */
    public String auditReason() {
        return type.slug();
    }

    /** What the caller is told went wrong: the message, unless a subclass says more. */
    public String detail() {
        return getMessage();
    }

    /** The title of the problem details. */
    public String title() {
        return type.title();
    }

    /** Extra members of the problem details (e.g. {@code upstream_error_code}); none by default. */
    public Map<String, Object> members() {
        return Map.of();
    }

    @Override
    public HttpStatusCode getStatusCode() {
        return type.status();
    }

    @Override
    public HttpHeaders getHeaders() {
        return HttpHeaders.EMPTY;
    }

    @Override
    public ProblemDetail getBody() {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(getStatusCode(), detail());
        if (type != null) {
            body.setType(type.uri());
        }
        body.setTitle(title());
        members().forEach(body::setProperty);
        return body;
    }
}
