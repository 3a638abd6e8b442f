package dev.tokenbroker.vault;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where master keys live ({@code tokenbroker.vault.*}).
 *
 * @param type which store: {@code file} (default) or {@code hashicorp}
 * @param file the file store's settings
 * @param hashicorp the HashiCorp Vault store's settings
 */
@ConfigurationProperties("tokenbroker.vault")
public record VaultProperties(
        @DefaultValue("file") String type,
        @DefaultValue File file,
        @DefaultValue HashicorpVaultProperties hashicorp) {

    /**
     * The file store: one folder per secret, one file per field ({@code {directory}/wml-prod/apikey}), as a
     * Kubernetes Secret volume lays it out.
     *
     * @param directory the root folder
     * @param pollInterval how often files are checked for changes (kubelet swaps a {@code ..data} symlink)
     * @param settle how long changed content must stay the same (and no field file be empty) before it is taken as
     *     a new version: a writer that is not atomic gets this long to finish
     */
    public record File(
            @DefaultValue("/var/run/secrets/token-broker/vault")
            Path directory,

            @DefaultValue("2s") Duration pollInterval,
            @DefaultValue("3s") Duration settle) {}
}
