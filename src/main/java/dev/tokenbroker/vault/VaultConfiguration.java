package dev.tokenbroker.vault;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

/** Chooses the secret store from {@code tokenbroker.vault.type}. */
@Configuration(proxyBeanMethods = false)
class VaultConfiguration {

    @Bean
    @ConditionalOnProperty(name = "tokenbroker.vault.type", havingValue = "file", matchIfMissing = true)
    FileSecretRepository fileSecretRepository(VaultProperties properties) {
        VaultProperties.File file = properties.file();
        return new FileSecretRepository(
                file.directory().toAbsolutePath().normalize(), file.pollInterval(), file.settle(), System::nanoTime);
    }

    @Bean
    @ConditionalOnProperty(name = "tokenbroker.vault.type", havingValue = "hashicorp")
    HashicorpVaultSecretRepository hashicorpVaultSecretRepository(
            VaultProperties properties, ReactorResourceFactory reactorResources) {
        // reactorResources is a parameter only so that this bean is destroyed first: Spring Vault's Reactor Netty
        // client runs on the global resources that the factory disposes at shutdown, and the repository still needs
        // them then to revoke its login token.
        return HashicorpVaultSecretRepository.connect(properties.hashicorp());
    }
}
