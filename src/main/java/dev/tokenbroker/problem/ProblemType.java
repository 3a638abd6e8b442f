package dev.tokenbroker.problem;

import java.net.URI;
import org.springframework.http.HttpStatus;

/**
 * The problem catalogue: stable {@code type} URIs of RFC 9457 problem details, each with its status and title; the
 * slug is also the audit reason of a refusal. Documented in {@code docs/api.md}.
 */
public enum ProblemType {
    INVALID_REQUEST("invalid-request", HttpStatus.BAD_REQUEST, "Invalid request"),
    UNSUPPORTED_GRANT_TYPE("unsupported-grant-type", HttpStatus.BAD_REQUEST, "Unsupported grant type"),
    WRONG_CREDENTIAL_TYPE("wrong-credential-type", HttpStatus.BAD_REQUEST, "Credential type does not issue this"),
    UNAUTHORIZED("unauthorized", HttpStatus.UNAUTHORIZED, "Missing or invalid caller credentials"),
    FORBIDDEN("forbidden", HttpStatus.FORBIDDEN, "Forbidden"),
    CREDENTIAL_FORBIDDEN("credential-forbidden", HttpStatus.FORBIDDEN, "Credential unknown or not allowed"),
    ROLES_FORBIDDEN("roles-forbidden", HttpStatus.FORBIDDEN, "WIoTP roles not allowed"),
    NOT_FOUND("not-found", HttpStatus.NOT_FOUND, "No such endpoint"),
    METHOD_NOT_ALLOWED("method-not-allowed", HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
    REQUEST_TIMEOUT("request-timeout", HttpStatus.REQUEST_TIMEOUT, "Request timeout"),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    RATE_LIMITED("rate-limited", HttpStatus.TOO_MANY_REQUESTS, "Too many requests"),
    UPSTREAM_REJECTED("upstream-rejected", HttpStatus.BAD_GATEWAY, "Upstream refused the master key"),
    MASTER_KEY_MISSING("master-key-missing", HttpStatus.BAD_GATEWAY, "Master key missing from the vault"),
    UPSTREAM_UNAVAILABLE("upstream-unavailable", HttpStatus.SERVICE_UNAVAILABLE, "Upstream unavailable"),
    AUDIT_UNAVAILABLE("audit-unavailable", HttpStatus.SERVICE_UNAVAILABLE, "Audit log unavailable"),
    INTERNAL_ERROR("internal-error", HttpStatus.INTERNAL_SERVER_ERROR, "Internal error");

    private static final String BASE = "https://token-broker.dev/problems/";

    private final String slug;
    private final HttpStatus status;
    private final String title;
    private final URI uri;

    ProblemType(String slug, HttpStatus status, String title) {
        this.slug = slug;
        this.status = status;
        this.title = title;
        this.uri = URI.create(BASE + slug);
    }

    /** The stable {@code type} URI. */
    public URI uri() {
        return uri;
    }

    /** The short id: the last segment of {@link #uri()}, and the reason in audit lines. */
    public String slug() {
        return slug;
    }

    /** The HTTP status of a problem+json answer of this type. */
    public HttpStatus status() {
        return status;
    }

    /** The problem's {@code title}. */
    public String title() {
        return title;
    }
}
