package dev.tokenbroker.sink;

import dev.tokenbroker.audit.AuditLog;
import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.credential.CredentialRegistry;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** Validates {@code tokenbroker.sinks} (failing start-up on any problem) and runs the sinks. */
@Configuration(proxyBeanMethods = false)
class SinkConfiguration {

    @Bean
    FileSinks fileSinks(
            SinkProperties properties,
            CredentialRegistry registry,
            CredentialIssuer issuer,
            JsonMapper json,
            Clock clock,
            AuditLog audit) {
        var writers = SinkValidation.check(properties, registry).stream()
                .map(target -> new FileSinkWriter(target, json, clock))
                .toList();
        return new FileSinks(writers, issuer, properties.sinkCheckInterval(), audit);
    }

    @Bean("sinks")
    SinksHealthIndicator sinksHealthIndicator(FileSinks sinks) {
        return new SinksHealthIndicator(sinks);
    }
}
