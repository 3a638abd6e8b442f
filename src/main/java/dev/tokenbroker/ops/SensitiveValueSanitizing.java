package dev.tokenbroker.ops;

import dev.tokenbroker.support.Secret;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Keeps secrets out of {@code /actuator/env} and {@code /actuator/configprops} even when an operator sets
 * {@code management.endpoint.*.show-values=always}: values whose key looks like a credential (Boot's "likely
 * sensitive" keys: {@code token}, {@code password}, {@code secret}, {@code key}, credentials, URIs with user info),
 * and any {@link Secret}, are shown as {@code ******}.
 */
@Configuration(proxyBeanMethods = false)
class SensitiveValueSanitizing {

    @Bean
    SanitizingFunction sensitiveValues() {
        return SanitizingFunction.sanitizeValue().ifLikelySensitive().ifValueMatches(Secret.class::isInstance);
    }
}
