package dev.tokenbroker.credential;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.cache.CacheProperties;
import dev.tokenbroker.iot.IotProperties;
import dev.tokenbroker.shared.SharedTierProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

/**
 * Bad settings are refused at start-up by Bean Validation on the properties records, with Boot's own failure
 * analysis: the property, the value and the reason, one problem per entry.
 */
class PropertiesValidationTests {

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Bound.class);

    @Test
    void startWhenSettingsAreValidThenBinds() {
        context.withPropertyValues("tokenbroker.cache.refresh-at=0.9", "tokenbroker.iot.tag=plant-7")
                .run(started -> assertThat(started).hasNotFailed());
    }

    @Test
    void startWhenRefreshAtOrJitterIsOutOfRangeThenRefusesNamingTheProperty() {
        context.withPropertyValues("tokenbroker.cache.refresh-at=1.5")
                .run(started -> assertThat(started).getFailure().rootCause().hasMessageContaining("refreshAt"));
        context.withPropertyValues("tokenbroker.cache.refresh-at=0.1", "tokenbroker.cache.refresh-jitter=0.2")
                .run(started -> assertThat(started)
                        .getFailure()
                        .hasStackTraceContaining("refresh-jitter must be less than refresh-at"));
    }

    @Test
    void startWhenWiotpTagCouldBreakTheCommentOrIntervalIsZeroThenRefuses() {
        context.withPropertyValues("tokenbroker.iot.tag=token broker")
                .run(started -> assertThat(started).getFailure().hasStackTraceContaining("tag"));
        context.withPropertyValues("tokenbroker.iot.revocation-interval=0s")
                .run(started -> assertThat(started).getFailure().hasStackTraceContaining("revocationInterval"));
    }

    @Test
    void startWhenSharedTierIsOnWithoutAnEncryptionKeySecretThenRefuses() {
        context.withPropertyValues("tokenbroker.shared.enabled=true")
                .run(started -> assertThat(started)
                        .getFailure()
                        .hasStackTraceContaining("encryption-key-secret must name a vault secret"));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({CacheProperties.class, IotProperties.class, SharedTierProperties.class})
    static class Bound {}
}
