package dev.tokenbroker.iam;

import dev.tokenbroker.support.UpstreamBudget;
import java.time.Clock;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

/** Wires the IAM client, with the upstream budget of {@code tokenbroker.iam.max-calls-per-second}. */
@Configuration(proxyBeanMethods = false)
class IamConfiguration {

    @Bean
    IamTokenProvider iamTokenProvider(
            WebClient.Builder builder,
            IamProperties properties,
            Clock clock,
            @Qualifier("iamBudget") UpstreamBudget budget) {
        return new IamTokenProvider(builder, properties, clock, budget);
    }
}
