package dev.tokenbroker.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.cache.CacheProperties;
import dev.tokenbroker.edge.EdgeProperties;
import dev.tokenbroker.iam.IamProperties;
import dev.tokenbroker.iot.IotProperties;
import dev.tokenbroker.shared.SharedTierProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.validation.FieldError;

/**
 * Bad settings are refused at start-up by the properties records' own checks, through Boot's binder, as Bean
 * Validation did before (without its 700 classes): the property, the value, where it was set and the reason, and the
 * context does not start.
 */
class CheckedPropertiesTests {

    private final ApplicationContextRunner context = new ApplicationContextRunner().withUserConfiguration(Bound.class);

    @Test
    void startWhenSettingsAreDefaultsOrValidThenBinds() {
        context.run(started -> assertThat(started).hasNotFailed());
        context.withPropertyValues(
                        "tokenbroker.cache.refresh-at=0.9",
                        "tokenbroker.iot.tag=plant-7",
                        "tokenbroker.iot.revocation-retry-budget=0s",
                        "tokenbroker.iam.max-calls-per-second=0",
                        "tokenbroker.shared.enabled=true",
                        "tokenbroker.shared.encryption-key-secret=shared-key")
                .run(started -> assertThat(started).hasNotFailed());
    }

    @Test
    void startWhenRefreshAtOrJitterIsOutOfRangeThenRefusesNamingThePropertyValueAndOrigin() {
        assertRefused("tokenbroker.cache.refresh-at=1.5", "refreshAt", "must be greater than 0 and less than 1");
        assertRefused("tokenbroker.cache.refresh-at=0", "refreshAt", "must be greater than 0 and less than 1");
        assertRefused("tokenbroker.cache.refresh-jitter=-0.1", "refreshJitter", "must be greater than or equal to 0");
        context.withPropertyValues("tokenbroker.cache.refresh-at=0.1", "tokenbroker.cache.refresh-jitter=0.2")
                .run(started -> assertThat(fieldError(started.getStartupFailure(), "refreshJitter")
                                .getDefaultMessage())
                        .isEqualTo("refresh-jitter must be less than refresh-at"));
        assertRefused("tokenbroker.cache.maximum-size=0", "maximumSize", "must be greater than 0");
        assertRefused("tokenbroker.cache.scan-interval=0s", "scanInterval", "must be at least 1ms");
    }

    @Test
    void startWhenWiotpTagCouldBreakTheCommentOrAnIntervalIsZeroThenRefuses() {
        assertRefused("tokenbroker.iot.tag=token broker", "tag", "must match \"[A-Za-z0-9._-]{1,64}\"");
        assertRefused("tokenbroker.iot.revocation-interval=0s", "revocationInterval", "must be at least 1ms");
        assertRefused("tokenbroker.iot.revocation-retry-budget=-1s", "revocationRetryBudget", "must be at least 0ms");
    }

    @Test
    void startWhenServerLimitsOrIamBudgetAreNotPositiveThenRefuses() {
        assertRefused("tokenbroker.server.idle-timeout=0s", "idleTimeout", "must be at least 1ms");
        assertRefused(
                "tokenbroker.server.max-connections-per-address=0",
                "maxConnectionsPerAddress",
                "must be greater than 0");
        assertRefused(
                "tokenbroker.iam.max-calls-per-second=-1", "maxCallsPerSecond", "must be greater than or equal to 0");
    }

    @Test
    void startWhenSharedTierIsOnWithoutAnEncryptionKeySecretThenRefuses() {
        context.withPropertyValues("tokenbroker.shared.enabled=true")
                .run(started -> assertThat(fieldError(started.getStartupFailure(), "encryptionKeySecret")
                                .getDefaultMessage())
                        .isEqualTo("encryption-key-secret must name a vault secret when the shared tier is enabled"));
        assertRefused("tokenbroker.shared.lease=0ms", "lease", "must be at least 1ms");
    }

    /** Starting with {@code setting} fails on {@code field}, with the value as set, its origin and {@code reason}. */
    private void assertRefused(String setting, String field, String reason) {
        context.withPropertyValues(setting).run(started -> {
            FieldError error = fieldError(started.getStartupFailure(), field);
            assertThat(error.getDefaultMessage()).isEqualTo(reason);
            assertThat(error.getRejectedValue())
                    .as("the value bound to %s", field)
                    .isNotNull();
            assertThat(Origin.from(error))
                    .as("where %s was set", field)
                    .hasToString(
                            "\"" + setting.substring(0, setting.indexOf('=')) + "\" from property source \"test\"");
        });
    }

    private static FieldError fieldError(Throwable failure, String field) {
        assertThat(failure).as("start-up failure").isNotNull();
        Throwable cause = failure;
        while (!(cause instanceof BindValidationException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        assertThat(cause).isInstanceOf(BindValidationException.class);
        FieldError error = ((BindValidationException) cause)
                .getValidationErrors().getAllErrors().stream()
                        .filter(FieldError.class::isInstance)
                        .map(FieldError.class::cast)
                        .filter(candidate -> candidate.getField().equals(field))
                        .findFirst()
                        .orElse(null);
        assertThat(error).as("the error on %s in %s", field, cause.getMessage()).isNotNull();
        return error;
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({
        CacheProperties.class,
        EdgeProperties.class,
        IamProperties.class,
        IotProperties.class,
        SharedTierProperties.class
    })
    static class Bound {}
}
