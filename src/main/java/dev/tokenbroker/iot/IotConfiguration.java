package dev.tokenbroker.iot;

import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.vault.SecretRepository;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

/** Wires the WIoTP client and the sweeper, which starts with the application and stops with it. */
@Configuration(proxyBeanMethods = false)
class IotConfiguration {

    @Bean
    IotKeyProvider iotKeyProvider(WebClient.Builder builder, IotProperties properties, Clock clock) {
        return new IotKeyProvider(builder, properties, clock);
    }

    @Bean(initMethod = "start", destroyMethod = "stop")
    IotKeySweeper iotKeySweeper(
            CredentialRegistry registry,
            SecretRepository secrets,
            IotKeyProvider provider,
            IotProperties properties,
            Clock clock) {
        return new IotKeySweeper(registry, secrets, provider, properties, clock);
    }
}
