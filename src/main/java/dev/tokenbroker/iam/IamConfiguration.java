package dev.tokenbroker.iam;

import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

/** Wires the IAM client. */
@Configuration(proxyBeanMethods = false)
class IamConfiguration {

    @Bean
    IamTokenProvider iamTokenProvider(WebClient.Builder builder, IamProperties properties, Clock clock) {
        return new IamTokenProvider(builder, properties, clock);
    }
}
