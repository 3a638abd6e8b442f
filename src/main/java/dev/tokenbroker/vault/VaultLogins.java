package dev.tokenbroker.vault;

import dev.tokenbroker.support.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.vault.authentication.AuthenticationSteps;
import org.springframework.vault.authentication.AuthenticationStepsOperator;
import org.springframework.vault.authentication.KubernetesAuthentication;
import org.springframework.vault.authentication.KubernetesAuthenticationOptions;
import org.springframework.vault.authentication.VaultTokenSupplier;
import org.springframework.vault.support.VaultToken;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Turns {@code tokenbroker.vault.hashicorp.authentication} into a reactive {@link VaultTokenSupplier}. Logins run as
 * Spring Vault {@link AuthenticationSteps} through an {@link AuthenticationStepsOperator}; files (token, role id,
 * secret id, service-account token) are read at every login on the bounded-elastic scheduler, so rotating them in
 * place needs no restart. Values are only ever wrapped in {@link VaultToken}/{@link Secret} or sent to Vault.
 */
final class VaultLogins {

    private VaultLogins() {}

    /** Problems with the authentication settings, one line each; empty when they can work. */
    static List<String> problems(HashicorpVaultProperties properties) {
        List<String> problems = new ArrayList<>();
        String prefix = "tokenbroker.vault.hashicorp.";
        switch (properties.authentication()) {
            case TOKEN -> {
                if (properties.token() == null && properties.tokenFile() == null) {
                    problems.add(prefix + "authentication 'token' needs 'token' or 'token-file'");
                }
            }
            case APPROLE -> {
                HashicorpVaultProperties.AppRole approle = properties.approle();
                if (isBlank(approle.roleId()) && approle.roleIdFile() == null) {
                    problems.add(prefix + "authentication 'approle' needs 'approle.role-id' or 'approle.role-id-file'");
                }
                if (approle.secretIdFile() == null) {
                    problems.add(prefix + "authentication 'approle' needs 'approle.secret-id-file'");
                }
            }
            case KUBERNETES -> {
                if (isBlank(properties.kubernetes().role())) {
                    problems.add(prefix + "authentication 'kubernetes' needs 'kubernetes.role'");
                }
            }
        }
        return problems;
    }

    /** How to obtain a token; {@code client} must not add a Vault token itself. */
    static VaultTokenSupplier of(HashicorpVaultProperties properties, WebClient client) {
        return switch (properties.authentication()) {
            case TOKEN -> token(properties);
            case APPROLE -> new AuthenticationStepsOperator(approle(properties.approle()), client);
            case KUBERNETES -> new AuthenticationStepsOperator(kubernetes(properties.kubernetes()), client);
        };
    }

    private static VaultTokenSupplier token(HashicorpVaultProperties properties) {
        Secret token = properties.token();
        if (token != null) {
            return () -> Mono.just(VaultToken.of(token.reveal()));
        }
        Path file = properties.tokenFile();
        return () -> Mono.fromCallable(() -> VaultToken.of(read(file))).subscribeOn(Schedulers.boundedElastic());
    }

    private static AuthenticationSteps approle(HashicorpVaultProperties.AppRole approle) {
        String roleId = approle.roleId();
        Supplier<String> roleIds = isBlank(roleId) ? () -> read(approle.roleIdFile()) : () -> roleId;
        Path secretIdFile = approle.secretIdFile();
        // Spring Vault's AppRoleAuthentication takes fixed values; these steps do the same login but read the
        // files at each login. Suppliers, not fromValue(): a supplier's toString() shows no value in debug logs.
        return AuthenticationSteps.fromSupplier(roleIds)
                .zipWith(AuthenticationSteps.fromSupplier(() -> read(secretIdFile)))
                .map(ids -> Map.of("role_id", ids.getLeft(), "secret_id", ids.getRight()))
                .login("auth/{mount}/login", approle.path());
    }

    private static AuthenticationSteps kubernetes(HashicorpVaultProperties.Kubernetes kubernetes) {
        Path tokenFile = kubernetes.serviceAccountTokenFile();
        return KubernetesAuthentication.createAuthenticationSteps(KubernetesAuthenticationOptions.builder()
                .path(kubernetes.path())
                .role(kubernetes.role())
                .jwtSupplier(() -> read(tokenFile))
                .build());
    }

    /** Reads a credential file, trailing newlines trimmed. Blocking: the operator calls it on bounded-elastic. */
    private static String read(Path file) {
        try {
            String value = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (value.isEmpty()) {
                throw new IllegalStateException("Vault credential file " + file + " is empty");
            }
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Vault credential file " + file, e);
        }
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
