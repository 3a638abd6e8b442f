package dev.tokenbroker.sink;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * File sinks ({@code tokenbroker.sinks}, DESIGN §6): credentials the broker writes to files for apps that read files,
 * as Vault Agent's sinks do. Checked at start-up; see {@link SinkValidation}.
 *
 * @param sinks the files to write; empty by default
 * @param sinkCheckInterval how often each sink checks that its credential is still cached and minted anew if not
 *     (after expiry, eviction or a master-key rotation); refreshes themselves are pushed, not polled
 */
@ConfigurationProperties("tokenbroker")
public record SinkProperties(
        List<Sink> sinks, @DefaultValue("10s") Duration sinkCheckInterval) {

    public SinkProperties {
        sinks = sinks == null ? List.of() : List.copyOf(sinks);
    }

    /**
     * One file sink.
     *
     * @param credential the credential whose IAM token is written ({@code iam-apikey}, {@code iam-trusted-profile} or
     *     {@code iam-assume})
     * @param path the absolute path of the file; its folder must exist and be writable
     * @param format {@code raw} (the access token only, no trailing newline) or {@code json} (the body of {@code POST
     *     /v1/credentials/{name}/iam-token}); default {@code raw}
     */
    public record Sink(
            String credential,
            String path,
            @DefaultValue("raw") SinkFormat format) {}
}
