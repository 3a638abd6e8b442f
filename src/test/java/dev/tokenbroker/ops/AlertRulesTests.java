package dev.tokenbroker.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's PrometheusRule is the one alert set: promtool accepts it ({@code check rules}), its rule tests pass
 * ({@code test rules}, including a failure series that first appears at 1), and docs/operations.md documents exactly
 * these alerts with their severities.
 */
class AlertRulesTests {

    private static final Path RULE_TESTS = Path.of("src/test/resources/prometheus/alert-rules-tests.yaml");
    private static final Path OPERATIONS = Path.of("docs/operations.md");
    private static final Pattern DOCUMENTED_ALERT = Pattern.compile("^\\| `(TokenBroker[A-Za-z]+)` \\| `([a-z]+)` \\|");

    @Test
    void checkRulesWhenChartRenderedThenPromtoolAcceptsEveryRule(@TempDir Path folder) throws IOException {
        Path rules = Files.writeString(folder.resolve("alert-rules.yaml"), AlertRules.ruleFile());

        Promtool.Result result = Promtool.run(null, "check", "rules", rules.toString());

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS: 6 rules found");
    }

    @Test
    void testRulesWhenFirstFailuresAndOutagesThenEveryAlertFiresAsSpecified(@TempDir Path folder) throws IOException {
        Files.writeString(folder.resolve("alert-rules.yaml"), AlertRules.ruleFile());
        Path tests = Files.copy(RULE_TESTS, folder.resolve("alert-rules-tests.yaml"));

        Promtool.Result result = Promtool.run(null, "test", "rules", tests.toString());

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS");
        assertThat(Files.readString(RULE_TESTS)).contains(AlertRules.alerts().keySet());
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
