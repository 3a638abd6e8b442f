package dev.tokenbroker.vault;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Chooses the secret store from {@code tokenbroker.vault.type}. */
@Configuration(proxyBeanMethods = false)
class VaultConfiguration {

    @Bean
    @ConditionalOnProperty(name = "tokenbroker.vault.type", havingValue = "file", matchIfMissing = true)
    FileSecretRepository fileSecretRepository(VaultProperties properties) {
        VaultProperties.File file = properties.file();
        return new FileSecretRepository(file.directory().toAbsolutePath().normalize(), file.pollInterval());
    }

    @Bean
    @ConditionalOnProperty(name = "tokenbroker.vault.type", havingValue = "hashicorp")
    HashicorpVaultSecretRepository hashicorpVaultSecretRepository(VaultProperties properties) {
        return HashicorpVaultSecretRepository.connect(properties.hashicorp());
    }
}
