package dev.tokenbroker.support;

import dev.tokenbroker.problem.UpstreamException;
import dev.tokenbroker.problem.UpstreamRejectedException;
import dev.tokenbroker.problem.UpstreamUnavailableException;
import io.micrometer.core.instrument.Metrics;
import io.netty.channel.ChannelOption;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.util.retry.Retry;

/**
 * Upstream hygiene shared by every upstream client: a WebClient with connect and response timeouts, a retry policy
 * (exponential backoff with full jitter, honouring {@code Retry-After}, only for transient failures), and the
 * translation of whatever is left into {@link UpstreamException}s.
 */
public final class UpstreamCalls {

    private static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);
    private static final Pattern ERROR_CODE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** Counter of upstream retries. */
    public static final String RETRIES_METER = "tokenbroker.upstream.retries";

    private UpstreamCalls() {}

    /** A WebClient that gives up connecting after {@code connectTimeout} and waiting after {@code responseTimeout}. */
    public static WebClient webClient(WebClient.Builder builder, UpstreamSettings settings) {
        HttpClient http = HttpClient.create()
                .option(
                        ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        Math.toIntExact(settings.connectTimeout().toMillis()))
                .responseTimeout(settings.responseTimeout());
        return builder.clone()
                .clientConnector(new ReactorClientHttpConnector(http))
                .build();
    }

    /**
     * Retries {@link RetryableUpstreamFailure}s, I/O errors and timeouts up to {@code maxRetries} times. Each wait is a
     * random duration in [0, min(maxBackoff, initialBackoff * 2^n)] (full jitter), and never shorter than the
     * upstream's {@code Retry-After}; a {@code Retry-After} beyond {@code maxRetryAfter} ends the retries. Each retry
     * is counted in the {@value #RETRIES_METER} counter (tags {@code upstream}, {@code reason}: {@code 429},
     * {@code 5xx}, {@code io}, {@code timeout}) of Micrometer's global registry, which Spring Boot links to the
     * exported registries.
     */
    public static Retry retry(Upstream upstream, UpstreamSettings settings) {
        return Retry.from(signals -> signals.concatMap(signal -> {
            Throwable failure = signal.failure();
            long attempt = signal.totalRetries();
            if (!isRetryable(failure) || attempt >= settings.maxRetries()) {
                return Mono.error(failure);
            }
            Duration wait = fullJitter(settings, attempt);
            if (failure instanceof RetryableUpstreamFailure transientFailure
                    && transientFailure.retryAfter().isPresent()) {
                Duration retryAfter = transientFailure.retryAfter().get();
                if (retryAfter.compareTo(settings.maxRetryAfter()) > 0) {
                    return Mono.error(failure);
                }
                wait = retryAfter.compareTo(wait) > 0 ? retryAfter : wait;
            }
            Metrics.counter(RETRIES_METER, "upstream", upstream.tag(), "reason", retryReason(failure))
                    .increment();
            return Mono.delay(wait).thenReturn(attempt);
        }));
    }

    /** Turns what is left after retries into an {@link UpstreamException} that names the upstream, not the secret. */
    public static UpstreamException translate(Upstream upstream, Throwable failure) {
        if (failure instanceof UpstreamException known) {
            return known;
        }
        if (failure instanceof RetryableUpstreamFailure transientFailure) {
            return new UpstreamUnavailableException(
                    upstream,
                    upstream + " answered " + transientFailure.status(),
                    transientFailure.retryAfter().orElse(DEFAULT_RETRY_AFTER),
                    null);
        }
        if (isRetryable(failure)) {
            return new UpstreamUnavailableException(upstream, upstream + " is unreachable", DEFAULT_RETRY_AFTER, null);
        }
        return new UpstreamRejectedException(upstream, 0, null, false, upstream + " sent a response we cannot use");
    }

    /**
     * The error for a non-2xx upstream answer: 429 and 5xx become a {@link RetryableUpstreamFailure} (with the upstream's
     * {@code Retry-After}) for {@link #retry} to handle; anything else an {@link UpstreamRejectedException}, permanent
     * for 400/401/403, carrying the upstream's own error code as read from the body by {@code errorCode} (a code that
     * does not look like one is dropped; the body itself never leaves here).
     */
    public static <T, B> Mono<T> failure(
            ClientResponse response,
            Clock clock,
            Class<B> errorBody,
            Function<B, String> errorCode,
            Rejection rejection) {
        int status = response.statusCode().value();
        if (status == 429 || response.statusCode().is5xxServerError()) {
            String retryAfter = response.headers().asHttpHeaders().getFirst(HttpHeaders.RETRY_AFTER);
            return response.releaseBody()
                    .then(Mono.error(new RetryableUpstreamFailure(status, parseRetryAfter(retryAfter, clock))));
        }
        boolean permanent = status == 400 || status == 401 || status == 403;
        return response.bodyToMono(errorBody)
                .onErrorResume(unreadable -> Mono.empty())
                .mapNotNull(errorCode)
                .filter(code -> ERROR_CODE.matcher(code).matches())
                .map(Optional::of)
                .defaultIfEmpty(Optional.empty())
                .flatMap(code -> Mono.error(rejection.rejected(status, code.orElse(null), permanent)));
    }

    /** Builds an upstream's refusal: its own message wording for a status and optional error code. */
    @FunctionalInterface
    public interface Rejection {
        UpstreamRejectedException rejected(int status, String errorCode, boolean permanent);
    }

    /** A short, secret-free description of an upstream failure for logs and operators: upstream, status, code. */
    public static String describe(Throwable failure) {
        if (failure instanceof UpstreamRejectedException rejected) {
            return rejected.upstream() + " rejected (HTTP " + rejected.upstreamStatus() + ")"
                    + rejected.upstreamErrorCode().map(code -> " " + code).orElse("");
        }
        if (failure instanceof UpstreamUnavailableException unavailable) {
            return unavailable.upstream() + " unavailable";
        }
        return failure.getClass().getSimpleName();
    }

    /**
     * Parses {@code Retry-After}: delta-seconds or an HTTP-date.
     *
     * @return the wait, or {@code null} when absent or unusable
     */
    public static Duration parseRetryAfter(String header, Clock clock) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.trim();
        try {
            long seconds = Long.parseLong(value);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration wait = Duration.between(clock.instant(), at.toInstant());
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    private static boolean isRetryable(Throwable failure) {
        return failure instanceof RetryableUpstreamFailure
                || failure instanceof WebClientRequestException
                || failure instanceof TimeoutException;
    }

    private static String retryReason(Throwable failure) {
        if (failure instanceof RetryableUpstreamFailure transientFailure) {
            return transientFailure.status() == 429 ? "429" : "5xx";
        }
        return failure instanceof TimeoutException ? "timeout" : "io";
    }

    private static Duration fullJitter(UpstreamSettings settings, long attempt) {
        long base = settings.initialBackoff().toMillis();
        long cap = settings.maxBackoff().toMillis();
        long ceiling = attempt >= 30 ? cap : Math.min(cap, base << attempt);
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling + 1));
    }
}
