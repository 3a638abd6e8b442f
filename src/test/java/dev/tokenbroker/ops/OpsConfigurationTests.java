package dev.tokenbroker.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

class OpsConfigurationTests {

    private final SanitizingFunction sanitizer = new OpsConfiguration().secretProperties();

    @Test
    void sanitizeWhenKeyNamesASecretThenMasks() {
        for (String key : new String[] {
            "tokenbroker.callers.client-keys.scorer",
            "tokenbroker.audit.salt",
            "tokenbroker.vault.hashicorp.authentication.token",
            "tokenbroker.vault.hashicorp.authentication.app-role.secret-id",
            "tokenbroker.vault.hashicorp.approle.secret-id",
            "tokenbroker.vault.hashicorp.token",
            "spring.boot.admin.client.instance.metadata.user.password",
            "spring.security.oauth2.client.registration.x.client-secret",
            "some.api-key",
            "db.password"
        }) {
            assertThat(sanitize(key, "value-1")).as(key).isEqualTo(SanitizableData.SANITIZED_VALUE);
        }
    }

    @Test
    void sanitizeWhenValueLooksLikeAClientKeyThenMasks() {
        assertThat(sanitize("some.harmless.name", "tbk_abc")).isEqualTo(SanitizableData.SANITIZED_VALUE);
    }

    @Test
    void sanitizeWhenPlainSettingThenKeeps() {
        assertThat(sanitize("tokenbroker.cache.refresh-at", "0.8")).isEqualTo("0.8");
        assertThat(sanitize("tokenbroker.credentials.wml-prod.type", "iam-apikey"))
                .isEqualTo("iam-apikey");
        assertThat(sanitize("tokenbroker.iam.url", "https://iam.cloud.ibm.com")).isEqualTo("https://iam.cloud.ibm.com");
        assertThat(sanitize("tokenbroker.credentials.wml-prod.secret", "wml-prod"))
                .as("the name of a vault secret, not a secret")
                .isEqualTo("wml-prod");
        assertThat(sanitize("tokenbroker.callers.jwt[0].jwk-set-uri", "https://kubernetes.default.svc/openid/v1/jwks"))
                .isEqualTo("https://kubernetes.default.svc/openid/v1/jwks");
        assertThat(sanitize("PID", "4242")).isEqualTo("4242");
        assertThat(sanitize("management.endpoint.health.roles", "OPS")).isEqualTo("OPS");
    }

    @Test
    void sanitizeWhenConfigpropsFormOfABrokerSecretThenMasks() {
        assertThat(sanitize("tokenbroker.callers.clientKeys.scorer", "sha256:ab"))
                .isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitize("tokenbroker.callers.clientKeys", "{scorer=sha256:ab}"))
                .isEqualTo(SanitizableData.SANITIZED_VALUE);
    }

    @Test
    void sanitizeWhenUriCarriesAPasswordThenMasksThePasswordOnly() {
        assertThat(sanitize("spring.data.redis.url", "redis://app:hunter2@redis:6379"))
                .isEqualTo("redis://app:******@redis:6379");
    }

    private Object sanitize(String key, String value) {
        return sanitizer.apply(new SanitizableData(null, key, value)).getValue();
    }
}
