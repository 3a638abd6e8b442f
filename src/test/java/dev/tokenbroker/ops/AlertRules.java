package dev.tokenbroker.ops;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chart's PrometheusRule with the chart's default values, rendered by the Helm library that helm-java bundles:
 * the one alert set of token-broker.
 */
final class AlertRules {

    /** The release and namespace the rules are rendered for; the rule tests' series carry this namespace. */
    static final String NAMESPACE = "token-broker";

    private static final Path CHART = Path.of("helm/token-broker");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private AlertRules() {}

    /** The rendered PrometheusRule's {@code spec}: a Prometheus rule file ({@code groups: …}). */
    static Map<String, Object> spec() {
        String manifests = new Helm(CHART)
                .template()
                .withName(NAMESPACE)
                .withNamespace(NAMESPACE)
                .set("prometheusRule.enabled", "true")
                .call();
        return Arrays.stream(manifests.split("(?m)^---\\s*$"))
                .filter(document -> document.contains("kind: PrometheusRule"))
                .map(document -> SERIALIZATION.unmarshal(document, GenericKubernetesResource.class))
                .findFirst()
                .<Map<String, Object>>map(rule -> rule.get("spec"))
                .orElseThrow(() -> new IllegalStateException("the chart rendered no PrometheusRule"));
    }

    /** The rule file as YAML text. */
    static String ruleFile() {
        return SERIALIZATION.asYaml(spec());
    }

    /** Every alert rule, by name, as rendered. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> alerts() {
        Map<String, Map<String, Object>> alerts = new LinkedHashMap<>();
        for (Object group : (List<Object>) spec().get("groups")) {
            for (Object rule : (List<Object>) ((Map<String, Object>) group).get("rules")) {
                Map<String, Object> alert = (Map<String, Object>) rule;
                alerts.put((String) alert.get("alert"), alert);
            }
        }
        return alerts;
    }
}
