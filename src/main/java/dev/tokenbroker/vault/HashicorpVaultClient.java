package dev.tokenbroker.vault;

import java.util.List;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.vault.authentication.ReactiveLifecycleAwareSessionManager;
import org.springframework.vault.authentication.VaultTokenSupplier;
import org.springframework.vault.client.ClientHttpConnectorFactory;
import org.springframework.vault.client.ReactiveVaultClients;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.client.WebClientBuilder;
import org.springframework.vault.core.ReactiveVaultOperations;
import org.springframework.vault.core.ReactiveVaultTemplate;
import org.springframework.vault.support.ClientOptions;
import org.springframework.vault.support.SslConfiguration;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Spring Vault's reactive client wired from {@link HashicorpVaultProperties}: a Reactor Netty connector with the
 * configured timeouts and trust, the namespace header on every request (logins included), and a {@link VaultSession}
 * whose token the template adds as {@code X-Vault-Token}. Owns the scheduler that renews login tokens.
 */
final class HashicorpVaultClient implements AutoCloseable {

    private final ReactiveVaultTemplate template;
    private final VaultSession session;
    private final ThreadPoolTaskScheduler renewals;

    private HashicorpVaultClient(
            ReactiveVaultTemplate template, VaultSession session, ThreadPoolTaskScheduler renewals) {
        this.template = template;
        this.session = session;
        this.renewals = renewals;
    }

    static HashicorpVaultClient create(HashicorpVaultProperties properties) {
        List<String> problems = VaultLogins.problems(properties);
        if (!problems.isEmpty()) {
            throw new IllegalStateException(
                    "invalid HashiCorp Vault settings:\n  - " + String.join("\n  - ", problems));
        }
        ClientHttpConnector connector = ClientHttpConnectorFactory.ReactorNetty.usingReactorNetty(
                new ClientOptions(properties.connectTimeout(), properties.readTimeout()), ssl(properties.ssl()));
        WebClientBuilder builder =
                WebClientBuilder.builder().httpConnector(connector).endpoint(VaultEndpoint.from(properties.uri()));
        if (properties.namespace() != null && !properties.namespace().isBlank()) {
            builder.filter(ReactiveVaultClients.namespace(properties.namespace()));
        }
        WebClient plain = builder.build();
        VaultTokenSupplier login = VaultLogins.of(properties, plain);
        ThreadPoolTaskScheduler renewals = new ThreadPoolTaskScheduler();
        renewals.setThreadNamePrefix("vault-session-");
        renewals.setDaemon(true);
        renewals.initialize();
        VaultSession session = new VaultSession(() -> new ReactiveLifecycleAwareSessionManager(login, renewals, plain));
        return new HashicorpVaultClient(new ReactiveVaultTemplate(builder, session), session, renewals);
    }

    ReactiveVaultOperations operations() {
        return template;
    }

    /** Logs in again on the next request (Vault refused the current token). */
    void resetSession() {
        session.reset();
    }

    @Override
    public void close() {
        try {
            session.destroy();
        } finally {
            renewals.shutdown();
        }
    }

    private static SslConfiguration ssl(HashicorpVaultProperties.Ssl ssl) {
        if (ssl == null || ssl.trustStore() == null) {
            return SslConfiguration.unconfigured();
        }
        char[] password = ssl.trustStorePassword() == null
                ? null
                : ssl.trustStorePassword().reveal().toCharArray();
        return SslConfiguration.forTrustStore(SslConfiguration.KeyStoreConfiguration.of(
                new FileSystemResource(ssl.trustStore()), password, ssl.trustStoreType()));
    }
}
