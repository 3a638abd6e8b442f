package dev.tokenbroker.ops;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.OPS_KEY;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.STRANGER_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Grafana dashboard shipped with the chart is valid JSON, and every query in it names a meter that a running
 * broker really exports: the names are checked against a scrape taken after traffic that creates every meter.
 */
class DashboardTests extends ManagementTest {

    static final Path DASHBOARD = Path.of("helm/token-broker/dashboards/token-broker.json");

    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of(
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "bool",
            "offset",
            "and",
            "or",
            "unless",
            "inf",
            "nan");

    @Test
    void dashboardWhenParsedThenEveryQueryNamesAnExportedMeter() throws IOException {
        JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DASHBOARD));
        List<String> expressions =
                dashboard.findValues("expr").stream().map(JsonNode::asString).toList();
        Set<String> names = new TreeSet<>();
        expressions.forEach(expression -> names.addAll(metricNames(expression)));

        PrometheusScrape scrape = scrapeAfterTraffic();

        assertThat(dashboard.path("panels").size()).isGreaterThan(5);
        assertThat(expressions).hasSizeGreaterThan(5);
        assertThat(names)
                .contains(
                        "tokenbroker_requests_total",
                        "tokenbroker_upstream_seconds_bucket",
                        "tokenbroker_token_remaining_seconds",
                        "cache_gets_total",
                        "tokenbroker_cache_refreshes_total",
                        "tokenbroker_vault_reachable");
        assertThat(scrape.names()).containsAll(names);
    }

    @Test
    void metricNamesWhenPromqlThenSkipsFunctionsLabelsAndRanges() {
        Set<String> names = metricNames("histogram_quantile(0.99, sum by (le, upstream) "
                + "(rate(tokenbroker_upstream_seconds_bucket{namespace=~\"$namespace\",outcome!=\"x\"}[5m]))) "
                + "/ on (upstream) group_left max without (instance) (cache_size) > bool 0");

        assertThat(names).containsExactlyInAnyOrder("tokenbroker_upstream_seconds_bucket", "cache_size");
    }

    static Set<String> metricNames(String expression) {
        String bare = STRINGS.matcher(expression).replaceAll("");
        bare = MATCHERS.matcher(bare).replaceAll(" ");
        bare = RANGES.matcher(bare).replaceAll(" ");
        bare = GROUPING.matcher(bare).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher identifier = IDENTIFIER.matcher(bare);
        while (identifier.find()) {
            String name = identifier.group();
            boolean function = bare.substring(identifier.end()).stripLeading().startsWith("(");
            boolean partOfNumber = identifier.start() > 0 && Character.isDigit(bare.charAt(identifier.start() - 1));
            if (!function && !partOfNumber && !KEYWORDS.contains(name.toLowerCase())) {
                names.add(name);
            }
        }
        return names;
    }

    // Traffic that creates every meter: mints, a hit, a retry, refusals, a failed refresh with a stale serve, a
    // forced refresh and single-flight joins.
    private PrometheusScrape scrapeAfterTraffic() {
        accessTokenFor(SCORER_KEY, "wml-prod");
        accessTokenFor(SCORER_KEY, "wml-prod");
        iamToken(STRANGER_KEY, "wml-prod").exchange().expectStatus().isForbidden();
        iamToken(SCORER_KEY, "wml-badkey").exchange().expectStatus().isEqualTo(502);
        failRefreshOfWmlProd(SCORER_KEY);
        accessTokenFor(SCORER_KEY, "wml-prod");
        management(OPS_KEY)
                .post()
                .uri("/actuator/tokens/wml-prod")
                .exchange()
                .expectStatus()
                .isOk();
        issuer.caches().forEach(cache -> cache.operations().evict("wml-prod"));
        concurrentRequestsWhileIamHolds(2);
        assertThat(IAM.tokenCalls()).isPositive();
        return scrape();
    }
}
