package dev.tokenbroker.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The chart's PrometheusRule is the one alert set: it is written, as a rule file, to {@code target/prometheus/} with
 * its rule tests beside it, where {@code scripts/promtool-check.sh} (run by CI after {@code ./mvnw verify}) has
 * Prometheus' {@code promtool} check it ({@code check rules}) and run the tests ({@code test rules}, including a
 * failure series that first appears at 1); docs/operations.md documents exactly these alerts with their severities.
 */
class AlertRulesTests {

    /** Where the rule file and its tests are written for promtool. */
    static final Path FOR_PROMTOOL = Path.of("target/prometheus");

    private static final Path RULE_TESTS = Path.of("src/test/resources/prometheus/alert-rules-tests.yaml");
    private static final Path OPERATIONS = Path.of("docs/operations.md");
    private static final Pattern DOCUMENTED_ALERT = Pattern.compile("^\\| `(TokenBroker[A-Za-z]+)` \\| `([a-z]+)` \\|");

    @Test
    void ruleFileWhenWrittenForPromtoolThenHoldsTheChartsSixAlertsAsRendered() throws IOException {
        Files.createDirectories(FOR_PROMTOOL);

        Path rules = Files.writeString(FOR_PROMTOOL.resolve("alert-rules.yaml"), AlertRules.ruleFile());

        assertThat(new KubernetesSerialization().unmarshal(Files.readString(rules), Map.class))
                .isEqualTo(AlertRules.spec());
        assertThat(AlertRules.alerts()).hasSize(6);
    }

    @Test
    void ruleTestsWhenWrittenForPromtoolThenTheyReadTheRuleFileBesideThemAndTestEveryAlert() throws IOException {
        Files.createDirectories(FOR_PROMTOOL);

        Path tests = Files.copy(
                RULE_TESTS, FOR_PROMTOOL.resolve("alert-rules-tests.yaml"), StandardCopyOption.REPLACE_EXISTING);

        assertThat(Files.readString(tests)).contains("rule_files:\n  - alert-rules.yaml\n");
        for (String alert : AlertRules.alerts().keySet()) {
            assertThat(Files.readString(tests)).as("a rule test of %s", alert).contains("alertname: " + alert);
        }
    }

    @Test
    void operationsDocWhenReadThenDocumentsExactlyTheChartsAlerts() throws IOException {
        Map<String, String> documented = new LinkedHashMap<>();
        for (String line : Files.readAllLines(OPERATIONS)) {
            Matcher alert = DOCUMENTED_ALERT.matcher(line);
            if (alert.find()) {
                documented.put(alert.group(1), alert.group(2));
            }
        }
        Map<String, String> charted = new LinkedHashMap<>();
        AlertRules.alerts().forEach((name, rule) -> charted.put(name, severity(rule)));

        assertThat(documented).isEqualTo(charted);
        assertThat(Files.readString(OPERATIONS)).doesNotContain("kube_pod_status_ready");
    }

    @Test
    void rulesWhenRenderedThenReadOnlyTheBrokersOwnMeters() {
        Set<String> names = new TreeSet<>();
        AlertRules.alerts().values().forEach(rule -> names.addAll(PromQl.metricNames((String) rule.get("expr"))));

        assertThat(names)
                .allMatch(name -> name.startsWith("tokenbroker_"))
                .contains(
                        "tokenbroker_cache_refreshes_total",
                        "tokenbroker_requests_total",
                        "tokenbroker_token_remaining_seconds",
                        "tokenbroker_upstream_seconds_count",
                        "tokenbroker_vault_reachable");
    }

    @SuppressWarnings("unchecked")
    private static String severity(Map<String, Object> rule) {
        return (String) ((Map<String, Object>) rule.get("labels")).get("severity");
    }
}
