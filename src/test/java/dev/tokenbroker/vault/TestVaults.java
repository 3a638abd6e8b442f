package dev.tokenbroker.vault;

import dev.tokenbroker.iam.IamProperties;
import dev.tokenbroker.iam.IamTokenProvider;
import dev.tokenbroker.testing.TestBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Builds {@link HashicorpVaultSecretRepository} instances the way the application does: from
 * {@code tokenbroker.vault.*} properties bound by Spring Boot's binder (so property names and defaults are tested too).
 */
final class TestVaults {

    private TestVaults() {}

    /** Properties common to every test repository: the simulator's address, a prefix and a short poll. */
    static Map<String, String> properties(String uri) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("tokenbroker.vault.type", "hashicorp");
        properties.put("tokenbroker.vault.hashicorp.uri", uri);
        properties.put("tokenbroker.vault.hashicorp.path-prefix", "token-broker/");
        properties.put("tokenbroker.vault.hashicorp.poll-interval", "100ms");
        properties.put("tokenbroker.vault.hashicorp.connect-timeout", "1s");
        properties.put("tokenbroker.vault.hashicorp.read-timeout", "2s");
        return properties;
    }

    static HashicorpVaultProperties bind(Map<String, String> properties) {
        Binder binder = new Binder(
                java.util.List.of(new MapConfigurationPropertySource(properties)),
                null,
                ApplicationConversionService.getSharedInstance());
        return binder.bindOrCreate("tokenbroker.vault", VaultProperties.class).hashicorp();
    }

    static HashicorpVaultSecretRepository connect(Map<String, String> properties) {
        return HashicorpVaultSecretRepository.connect(bind(properties));
    }

    /** An IAM client against the shared IAM simulator, to show that a key read from Vault mints. */
    static IamTokenProvider iam() {
        Binder binder = new Binder(
                java.util.List.of(
                        new MapConfigurationPropertySource(Map.of("tokenbroker.iam.url", TestBroker.IAM.url()))),
                null,
                ApplicationConversionService.getSharedInstance());
        IamProperties properties = binder.bindOrCreate("tokenbroker.iam", IamProperties.class);
        return new IamTokenProvider(WebClient.builder(), properties, TestBroker.CLOCK);
    }

    /** Writes a credential file (as a Kubernetes Secret volume or Vault Agent would) and returns its path. */
    static Path file(Path folder, String name, String content) {
        try {
            return Files.writeString(folder.resolve(name), content + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
