package dev.tokenbroker.api;

import dev.tokenbroker.edge.Wire;
import dev.tokenbroker.problem.BrokerException;
import dev.tokenbroker.problem.HttpProblemException;
import dev.tokenbroker.problem.InvalidRequestException;
import dev.tokenbroker.problem.ProblemType;
import dev.tokenbroker.problem.UnauthenticatedException;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;

/**
 * Translates every failure that reaches the HTTP surface into the broker's one failure family, at the edge: the
 * broker's own exceptions as they are, Spring Security's and WebFlux's by what they mean, anything else as an internal
 * error whose log line names its type but not its message (which may quote input, and so a secret).
 */
final class Failures {

    private static final Logger log = LoggerFactory.getLogger(Failures.class);
    private static final String TOO_LARGE = "request body exceeds 16 KiB";

    private Failures() {}

    static BrokerException translate(Throwable failure) {
        if (failure instanceof BrokerException known) {
            return known;
        }
        if (failure instanceof AuthenticationException authentication) {
            return new UnauthenticatedException(challenge(authentication));
        }
        if (failure instanceof AccessDeniedException) {
            return new HttpProblemException(ProblemType.FORBIDDEN, "the caller may not do this", HttpHeaders.EMPTY);
        }
        if (Wire.isTimeout(failure)) {
            return new HttpProblemException(
                    ProblemType.REQUEST_TIMEOUT, "request body not received in time", HttpHeaders.EMPTY);
        }
        if (failure instanceof DataBufferLimitException || failure.getCause() instanceof DataBufferLimitException) {
            return new InvalidRequestException(TOO_LARGE);
        }
        if (failure instanceof ErrorResponse framework) {
            return fromStatus(framework);
        }
        logUnexpected(failure);
        return new HttpProblemException(
                ProblemType.INTERNAL_ERROR,
                "unexpected error; quote the request id to the operators",
                HttpHeaders.EMPTY);
    }

    // WebFlux's own failures by their status, each with a detail of ours (theirs may quote the request).
    private static BrokerException fromStatus(ErrorResponse framework) {
        int status = framework.getStatusCode().value();
        return switch (status) {
            case 400 ->
                framework instanceof ServerWebInputException
                        ? new InvalidRequestException("malformed request")
                        : new HttpProblemException(HttpStatus.BAD_REQUEST);
            case 404 -> new HttpProblemException(ProblemType.NOT_FOUND, "no such endpoint", HttpHeaders.EMPTY);
            case 405 ->
                new HttpProblemException(
                        ProblemType.METHOD_NOT_ALLOWED, "method not allowed on this path", HttpHeaders.EMPTY);
            case 413 -> new InvalidRequestException(TOO_LARGE);
            case 415 -> unsupportedMediaType(framework);
            default -> {
                HttpStatus known = HttpStatus.resolve(status);
                yield new HttpProblemException(known == null ? HttpStatus.BAD_REQUEST : known);
            }
        };
    }

    // RFC 9110 §15.5.16: say what would have been accepted.
    private static BrokerException unsupportedMediaType(ErrorResponse framework) {
        HttpHeaders headers = new HttpHeaders();
        if (framework instanceof UnsupportedMediaTypeStatusException unsupported
                && !unsupported.getSupportedMediaTypes().isEmpty()) {
            headers.set(HttpHeaders.ACCEPT, MediaType.toString(unsupported.getSupportedMediaTypes()));
        }
        return new HttpProblemException(ProblemType.UNSUPPORTED_MEDIA_TYPE, "unsupported Content-Type", headers);
    }

    private static String challenge(AuthenticationException failure) {
        if (failure instanceof OAuth2AuthenticationException oauth) {
            return "Bearer error=\"" + oauth.getError().getErrorCode() + "\"";
        }
        return "Bearer";
    }

    /** Logs an exception nobody expected: its type and top frames only. */
    private static void logUnexpected(Throwable failure) {
        log.error(
                "Unexpected {} at {}",
                failure.getClass().getName(),
                Arrays.stream(failure.getStackTrace())
                        .limit(8)
                        .map(StackTraceElement::toString)
                        .collect(Collectors.joining(" < ")));
    }
}
