package dev.tokenbroker.credential;

import dev.tokenbroker.vault.SecretRepository;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Builds the {@link CredentialRegistry}, failing start-up on any configuration problem. */
@Configuration(proxyBeanMethods = false)
class CredentialConfiguration {

    @Bean
    CredentialRegistry credentialRegistry(CredentialProperties properties, SecretRepository secrets) {
        return CredentialRegistry.load(properties, secrets);
    }
}
