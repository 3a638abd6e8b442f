package dev.tokenbroker.vault;

import dev.tokenbroker.support.Secret;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The HashiCorp Vault store ({@code tokenbroker.vault.hashicorp.*}), used when {@code tokenbroker.vault.type} is
 * {@code hashicorp}. Secrets are KV version 2 entries at {@code {mount}/data/{path-prefix}{secret}} with the fields
 * {@code apikey} and {@code token}.
 *
 * @param uri Vault's address, e.g. {@code https://vault.vault.svc:8200} (as {@code VAULT_ADDR})
 * @param mount where the KV v2 engine is mounted
 * @param pathPrefix put before every secret name, e.g. {@code token-broker/} (include the trailing slash)
 * @param namespace Vault Enterprise namespace, sent as {@code X-Vault-Namespace} on every request; none when empty
 * @param pollInterval how often the metadata of every secret read so far is checked for a new version
 * @param connectTimeout TCP connect timeout for Vault calls
 * @param readTimeout read timeout for Vault calls
 * @param ssl which certificate authorities to trust for an {@code https} uri (the JVM's by default)
 * @param authentication how the broker logs in: {@code token}, {@code approle} or {@code kubernetes}
 * @param token a Vault token ({@code token} authentication); prefer {@code token-file}
 * @param tokenFile a file holding the Vault token ({@code token} authentication), re-read on every login
 * @param approle AppRole login settings
 * @param kubernetes Kubernetes login settings
 */
public record HashicorpVaultProperties(
        @DefaultValue("https://127.0.0.1:8200") URI uri,
        @DefaultValue("secret") String mount,
        @DefaultValue("") String pathPrefix,
        String namespace,
        @DefaultValue("30s") Duration pollInterval,
        @DefaultValue("2s") Duration connectTimeout,
        @DefaultValue("5s") Duration readTimeout,
        @DefaultValue Ssl ssl,
        @DefaultValue("token") Authentication authentication,
        Secret token,
        Path tokenFile,
        @DefaultValue AppRole approle,
        @DefaultValue Kubernetes kubernetes) {

    /** How the broker logs in to Vault. */
    public enum Authentication {
        /** A token given as {@code token} or {@code token-file}; renewed while renewable. */
        TOKEN,
        /** AppRole: role id and secret id, read from files at every login. */
        APPROLE,
        /** Kubernetes: the pod's projected service-account token, read from its file at every login. */
        KUBERNETES
    }

    /**
     * TLS trust for Vault.
     *
     * @param trustStore a trust store file: a PEM bundle of CA certificates, or a JKS/PKCS12 store
     * @param trustStorePassword the trust store's password (JKS/PKCS12 only)
     * @param trustStoreType {@code PEM} (default), {@code JKS} or {@code PKCS12}
     */
    public record Ssl(
            Path trustStore,
            Secret trustStorePassword,
            @DefaultValue("PEM") String trustStoreType) {}

    /**
     * AppRole login ({@code POST /v1/auth/{path}/login} with {@code role_id} and {@code secret_id}).
     *
     * @param path where the AppRole auth method is mounted
     * @param roleId the role id (not a secret on its own); or use {@code role-id-file}
     * @param roleIdFile a file holding the role id
     * @param secretIdFile a file holding the secret id; re-read at every login, so it can be rotated in place
     */
    public record AppRole(@DefaultValue("approle") String path, String roleId, Path roleIdFile, Path secretIdFile) {}

    /**
     * Kubernetes login ({@code POST /v1/auth/{path}/login} with {@code role} and the service-account {@code jwt}).
     *
     * @param path where the Kubernetes auth method is mounted
     * @param role the Vault role bound to this service account
     * @param serviceAccountTokenFile the projected service-account token; re-read at every login (kubelet rotates it)
     */
    public record Kubernetes(
            @DefaultValue("kubernetes") String path,
            String role,

            @DefaultValue("/var/run/secrets/kubernetes.io/serviceaccount/token")
            Path serviceAccountTokenFile) {}
}
