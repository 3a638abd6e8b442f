package dev.tokenbroker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tokenbroker.problem.InvalidRequestException;
import java.time.Duration;

/**
 * Body of {@code POST /v1/credentials/{name}/iam-token}.
 *
 * @param minValidSeconds the token returned is valid for at least this long; 0 to 3000, default 60
 */
record IamTokenRequest(@JsonProperty("min_valid_seconds") Integer minValidSeconds) {

    static final IamTokenRequest DEFAULT = new IamTokenRequest(null);
    static final int DEFAULT_MIN_VALID_SECONDS = 60;
    /** What the drop-in endpoints ask for: they take no {@code min_valid_seconds}. */
    static final Duration DEFAULT_MIN_VALID = Duration.ofSeconds(DEFAULT_MIN_VALID_SECONDS);

    static final int MAX_MIN_VALID_SECONDS = 3000;

    int minValidSecondsOrDefault() {
        if (minValidSeconds == null) {
            return DEFAULT_MIN_VALID_SECONDS;
        }
        if (minValidSeconds < 0 || minValidSeconds > MAX_MIN_VALID_SECONDS) {
            throw new InvalidRequestException("min_valid_seconds must be between 0 and " + MAX_MIN_VALID_SECONDS);
        }
        return minValidSeconds;
    }
}
