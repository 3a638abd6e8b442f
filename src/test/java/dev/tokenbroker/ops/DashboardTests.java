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
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Grafana dashboard shipped with the chart is valid JSON, and every query in it names a meter that a running
 * broker really exports: the names are checked against a scrape taken after traffic that creates every meter.
 */
class DashboardTests extends ManagementTest {

    static final Path DASHBOARD = Path.of("helm/token-broker/dashboards/token-broker.json");

    @Test
    void dashboardWhenParsedThenEveryQueryNamesAnExportedMeter() throws IOException {
        JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DASHBOARD));
        List<String> expressions =
                dashboard.findValues("expr").stream().map(JsonNode::asString).toList();
        Set<String> names = new TreeSet<>();
        expressions.forEach(expression -> names.addAll(PromQl.metricNames(expression)));

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
