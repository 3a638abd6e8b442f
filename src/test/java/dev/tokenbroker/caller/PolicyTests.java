package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.credential.CredentialProperties;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.credential.InvalidConfigurationException;
import dev.tokenbroker.support.Secret;
import dev.tokenbroker.vault.SecretRepository;
import dev.tokenbroker.vault.StoredSecret;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class PolicyTests {

    private final CredentialRegistry registry = CredentialRegistry.load(
            new CredentialProperties(Map.of(
                    "wml-prod", definition("iam-apikey"),
                    "wml-dev", definition("iam-apikey"),
                    "factory-iot",
                            new CredentialProperties.Definition("iot-app", null, "abc123", Duration.ofHours(1)))),
            new AnySecrets());

    @Test
    void allowsWhenGlobMatchesOneSegmentOnly() {
        Policy policy = Policy.load(
                rules(rule(List.of("system:serviceaccount:ml:*"), List.of("wml-*"), "iam-token")), registry);

        assertThat(policy.allows("system:serviceaccount:ml:scorer", "wml-prod", Grant.IAM_TOKEN))
                .isTrue();
        assertThat(policy.allows("system:serviceaccount:ml:a:b", "wml-prod", Grant.IAM_TOKEN))
                .isFalse();
        assertThat(policy.allows("system:serviceaccount:mlx:scorer", "wml-prod", Grant.IAM_TOKEN))
                .isFalse();
        assertThat(policy.allows("system:serviceaccount:ml:scorer", "wml-prod", Grant.IOT_KEY))
                .isFalse();
        assertThat(policy.allows("system:serviceaccount:ml:scorer", "factory-iot", Grant.IAM_TOKEN))
                .isFalse();
    }

    @Test
    void allowsWhenNoRuleMatchesThenDenies() {
        Policy policy = Policy.load(rules(), registry);

        assertThat(policy.allows("client:anyone", "wml-prod", Grant.IAM_TOKEN)).isFalse();
        assertThat(policy.visibleTo("client:anyone", registry.all())).isEmpty();
    }

    @Test
    void globWhenNameHasRegexCharactersThenTheyAreLiteral() {
        assertThat(Policy.glob("client:a.b").matcher("client:aXb").matches()).isFalse();
        assertThat(Policy.glob("client:a.b").matcher("client:a.b").matches()).isTrue();
        assertThat(Policy.glob("*").matcher("client:x").matches()).isFalse();
    }

    @Test
    void iotRolesWhenRuleGivesRolesThenUnionOfMatchingRules() {
        Policy policy = Policy.load(
                rules(
                        new PolicyProperties.Rule(
                                List.of("client:gw"),
                                List.of("factory-iot"),
                                List.of("iot-key"),
                                List.of("PD_STANDARD_APP")),
                        new PolicyProperties.Rule(
                                List.of("client:*"),
                                List.of("factory-*"),
                                List.of("iot-key"),
                                List.of("PD_OPERATOR_APP"))),
                registry);

        assertThat(policy.iotRoles("client:gw", "factory-iot")).containsExactly("PD_OPERATOR_APP", "PD_STANDARD_APP");
    }

    @Test
    void loadWhenRulesNameUnknownThingsThenOneLinePerProblem() {
        assertThatThrownBy(() -> Policy.load(
                        rules(
                                rule(List.of("client:x"), List.of("nothing-*"), "iam-token"),
                                rule(List.of("client:x"), List.of("wml-prod"), "steal-keys")),
                        registry))
                .isInstanceOf(InvalidConfigurationException.class)
                .satisfies(error -> assertThat(((InvalidConfigurationException) error).problems())
                        .containsExactly(
                                "policy[0]: credentials 'nothing-*' names no configured credential",
                                "policy[1]: unknown grant 'steal-keys' (expected iam-token or iot-key)"));
    }

    private static PolicyProperties rules(PolicyProperties.Rule... rules) {
        return new PolicyProperties(List.of(rules));
    }

    private static PolicyProperties.Rule rule(List<String> callers, List<String> credentials, String grant) {
        return new PolicyProperties.Rule(callers, credentials, List.of(grant), null);
    }

    private static CredentialProperties.Definition definition(String type) {
        return new CredentialProperties.Definition(type, null, null, Duration.ofHours(1));
    }

    /** Every secret exists with the fields every type needs. */
    static final class AnySecrets implements SecretRepository {
        @Override
        public Mono<StoredSecret> read(String name) {
            return Mono.just(new StoredSecret(name, "1", Map.of("apikey", Secret.of("k"), "token", Secret.of("t"))));
        }

        @Override
        public Flux<StoredSecret> changes() {
            return Flux.never();
        }

        @Override
        public boolean reachable() {
            return true;
        }
    }
}
