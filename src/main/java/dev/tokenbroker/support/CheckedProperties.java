package dev.tokenbroker.support;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Pattern;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * A {@code @ConfigurationProperties} record that checks its own values when Boot binds it: Boot's binder runs the
 * check of a bound type that is a {@link Validator} and reports what it rejects as it reports any validation failure
 * at start-up, with the property, its value and where it was set, and start-up stops.
 *
 * <p>The broker's handful of range checks are plain code rather than Bean Validation: Hibernate Validator is some 700
 * classes and a bootstrap that every broker, the sidecar too, would load at start only for these checks and then keep
 * (docs/benchmarks.md#footprint).
 */
public interface CheckedProperties extends Validator {

    /** Rejects what is wrong with these values through {@code checks}. */
    void check(Checks checks);

    @Override
    default boolean supports(Class<?> type) {
        return type.isInstance(this);
    }

    @Override
    default void validate(Object target, Errors errors) {
        ((CheckedProperties) target).check(new Checks(errors));
    }

    /** The checks a properties record asks for, each naming the record component it checks. */
    final class Checks {

        private final Errors errors;

        Checks(Errors errors) {
            this.errors = errors;
        }

        /** {@code value} is at least one millisecond. */
        public Checks positive(String field, Duration value) {
            return atLeast(field, value, Duration.ofMillis(1));
        }

        /** {@code value} is {@code minimum} or longer. */
        public Checks atLeast(String field, Duration value, Duration minimum) {
            return require(
                    field,
                    value != null && value.compareTo(minimum) >= 0,
                    "must be at least " + DurationStyle.SIMPLE.print(minimum));
        }

        /** {@code value} is greater than 0. */
        public Checks positive(String field, long value) {
            return require(field, value > 0, "must be greater than 0");
        }

        /** {@code value} is 0 or greater. */
        public Checks notNegative(String field, double value) {
            return require(field, value >= 0, "must be greater than or equal to 0");
        }

        /** {@code value} lies strictly between {@code low} and {@code high}. */
        public Checks between(String field, double value, double low, double high) {
            return require(
                    field,
                    value > low && value < high,
                    "must be greater than " + plain(low) + " and less than " + plain(high));
        }

        /** {@code value} matches {@code pattern} whole. */
        public Checks matches(String field, String value, Pattern pattern) {
            return require(field, value != null && pattern.matcher(value).matches(), "must match \"" + pattern + "\"");
        }

        private static String plain(double value) {
            return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
        }

        /** {@code holds}, or the field is rejected with {@code message}. */
        public Checks require(String field, boolean holds, String message) {
            if (!holds) {
                errors.rejectValue(field, "invalid", message);
            }
            return this;
        }
    }
}
