package dev.tokenbroker.ops;

import static dev.tokenbroker.testing.TestBroker.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.SeparateBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A broker of its own, scraped once right after start-up and before any caller request: that first scrape already
 * holds every metric the Grafana dashboard and the alert rules read, and every {@code tokenbroker_*} family has HELP.
 * The scrape is written to {@code target/prometheus/first-scrape.txt}, where {@code scripts/promtool-check.sh} (run by
 * CI after {@code ./mvnw verify}) has Prometheus' own linter ({@code promtool check metrics}) read it: it must find
 * nothing to say about a {@code tokenbroker_*} family.
 */
class FirstScrapeIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(FirstScrapeIntegrationTests.class);

    // Labels Prometheus puts on every series of a scraped target (the chart's ServiceMonitor), not the broker.
    private static final Set<String> TARGET_LABELS =
            Set.of("namespace", "pod", "instance", "job", "service", "container", "endpoint");

    private static ConfigurableApplicationContext broker;
    private static String firstScrape;

    @BeforeAll
    static void startAndScrape() {
        broker = SeparateBroker.start(List.of());
        firstScrape = WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + SeparateBroker.managementPort(broker))
                .responseTimeout(Duration.ofSeconds(30))
                .build()
                .get()
                .uri("/actuator/prometheus")
                .headers(headers -> headers.setBearerAuth(OPS_KEY))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void firstScrapeWhenFreshBrokerThenHoldsEveryMetricOfTheDashboardAndTheAlerts() throws IOException {
        JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DashboardTests.DASHBOARD));
        Set<String> used = new TreeSet<>();
        dashboard.findValues("expr").forEach(expr -> used.addAll(PromQl.metricNames(expr.asString())));
        AlertRules.alerts().values().forEach(rule -> used.addAll(PromQl.metricNames((String) rule.get("expr"))));

        PrometheusScrape scrape = PrometheusScrape.parse(firstScrape);

        assertThat(used).hasSizeGreaterThan(10);
        assertThat(scrape.names()).containsAll(used);
        for (String credential : List.of("wml-prod", "wml-dev", "wml-badkey", "other-team")) {
            assertZero(
                    scrape,
                    "tokenbroker_cache_refreshes_total",
                    "cache",
                    "iam-token",
                    "credential",
                    credential,
                    "outcome",
                    "failure");
            assertZero(scrape, "tokenbroker_cache_stale_total", "cache", "iam-token", "credential", credential);
            assertZero(scrape, "tokenbroker_cache_joins_total", "cache", "iam-token", "credential", credential);
            assertZero(
                    scrape,
                    "tokenbroker_requests_total",
                    "credential",
                    credential,
                    "grant",
                    "iam-token",
                    "outcome",
                    "upstream-rejected");
        }
        assertZero(
                scrape,
                "tokenbroker_cache_refreshes_total",
                "cache",
                "iot-key",
                "credential",
                "factory-iot",
                "outcome",
                "failure");
        assertZero(
                scrape,
                "tokenbroker_requests_total",
                "credential",
                "factory-iot",
                "grant",
                "iot-key",
                "outcome",
                "issued");
        for (String reason : List.of("429", "5xx", "io", "timeout")) {
            assertZero(scrape, "tokenbroker_upstream_retries_total", "upstream", "iam", "reason", reason);
            assertZero(scrape, "tokenbroker_upstream_retries_total", "upstream", "wiotp", "reason", reason);
        }
        assertZero(scrape, "tokenbroker_upstream_seconds_count", "upstream", "wiotp", "outcome", "rejected");
        assertZero(scrape, "tokenbroker_upstream_seconds_count", "upstream", "iam", "outcome", "unavailable");
    }

    /**
     * Must show (issue 25, 4): every panel of the chart's Grafana dashboard has a query, and every query resolves
     * against the first scrape: each selector names a meter there and its label matchers select at least one of its
     * series (matchers on the labels Prometheus adds to a target, such as {@code namespace}, are the dashboard's
     * variables and left aside), and each label it groups or matches by is one that those series carry or that
     * Prometheus adds. A renamed meter, a label value or a tag that the broker does not export fails it.
     */
    @Test
    void firstScrapeWhenFreshBrokerThenEveryDashboardPanelQueryResolves() throws IOException {
        JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DashboardTests.DASHBOARD));
        List<JsonNode> panels = new ArrayList<>();
        collectPanels(dashboard.path("panels"), panels);
        PrometheusScrape scrape = PrometheusScrape.parse(firstScrape);
        int queries = 0;
        Set<String> meters = new TreeSet<>();

        for (JsonNode panel : panels) {
            String title = panel.path("title").asString();
            List<String> expressions = new ArrayList<>();
            panel.path("targets")
                    .forEach(target -> expressions.add(target.path("expr").asString()));
            assertThat(expressions)
                    .as("queries of panel '%s'", title)
                    .isNotEmpty()
                    .allMatch(expr -> !expr.isBlank());
            for (String expression : expressions) {
                PromQl.Query query = PromQl.parse(expression);
                assertThat(query.selectors())
                        .as("selectors of '%s' in panel '%s'", expression, title)
                        .isNotEmpty();
                Set<String> labels = new TreeSet<>(TARGET_LABELS);
                for (PromQl.Selector selector : query.selectors()) {
                    List<Map<String, String>> series = scrape.series(selector.name()).stream()
                            .filter(labelSet -> selects(selector, labelSet))
                            .toList();
                    assertThat(series)
                            .as("first-scrape series of %s in panel '%s' (%s)", selector, title, expression)
                            .isNotEmpty();
                    series.forEach(labelSet -> labels.addAll(labelSet.keySet()));
                    meters.add(selector.name());
                }
                assertThat(labels)
                        .as("labels that '%s' groups or matches by, in panel '%s'", expression, title)
                        .containsAll(query.groupingLabels());
                queries++;
            }
        }

        assertThat(panels).hasSizeGreaterThan(5);
        log.info(
                "Dashboard: {} panels, {} queries, {} meters, all in the first scrape: {}",
                panels.size(),
                queries,
                meters.size(),
                meters);
    }

    private static boolean selects(PromQl.Selector selector, Map<String, String> labels) {
        return selector.matchers().stream()
                .filter(matcher -> !TARGET_LABELS.contains(matcher.label()) && !matcher.templated())
                .allMatch(matcher -> matcher.matches(labels.get(matcher.label())));
    }

    // Every panel that shows data: rows are containers (collapsed rows keep their panels inside).
    private static void collectPanels(JsonNode panels, List<JsonNode> into) {
        for (JsonNode panel : panels) {
            if ("row".equals(panel.path("type").asString())) {
                collectPanels(panel.path("panels"), into);
            } else {
                into.add(panel);
            }
        }
    }

    private static void assertZero(PrometheusScrape scrape, String name, String... labels) {
        assertThat(scrape.has(name, labels))
                .as("%s %s in the first scrape", name, List.of(labels))
                .isTrue();
        assertThat(scrape.value(name, labels))
                .as("%s %s", name, List.of(labels))
                .isZero();
    }

    @Test
    void firstScrapeWhenWrittenForPromtoolThenEveryTokenbrokerFamilyHasHelpAndAType() throws IOException {
        Files.createDirectories(AlertRulesTests.FOR_PROMTOOL);

        Files.writeString(AlertRulesTests.FOR_PROMTOOL.resolve("first-scrape.txt"), firstScrape);

        assertThat(firstScrape.lines().filter(line -> line.startsWith("# HELP tokenbroker_")))
                .isNotEmpty()
                .allMatch(line -> line.split(" ", 4).length == 4 && !line.split(" ", 4)[3].isBlank());
        assertThat(firstScrape.lines().filter(line -> line.startsWith("# HELP tokenbroker_")))
                .hasSameSizeAs(firstScrape
                        .lines()
                        .filter(line -> line.startsWith("# TYPE tokenbroker_"))
                        .toList());
    }
}
