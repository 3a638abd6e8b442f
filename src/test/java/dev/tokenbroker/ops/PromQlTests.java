package dev.tokenbroker.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.List;
import org.junit.jupiter.api.Test;

class PromQlTests {

    @Test
    void parseWhenFunctionsAggregationsAndBinaryMatchingThenOnlySelectorsAreMetrics() {
        PromQl.Query query = PromQl.parse("histogram_quantile(0.99, sum by (le, upstream) "
                + "(rate(tokenbroker_upstream_seconds_bucket{namespace=~\"$namespace\",outcome!=\"x\"}[5m]))) "
                + "/ on (upstream) group_left max without (instance) (cache_size) > bool 0");

        assertThat(query.metricNames()).containsExactly("cache_size", "tokenbroker_upstream_seconds_bucket");
        assertThat(query.groupingLabels()).containsExactlyInAnyOrder("le", "upstream", "instance");
        assertThat(query.selectors().get(0).matchers())
                .containsExactly(
                        new PromQl.LabelMatcher("namespace", "=~", "$namespace"),
                        new PromQl.LabelMatcher("outcome", "!=", "x"));
    }

    @Test
    void parseWhenStringsHoldBracesParenthesesAndDollarsThenTheyAreNotRead() {
        PromQl.Query query = PromQl.parse(
                "label_replace(sum(rate(a_total{path=\"/x{y}(z)\", q='it\\'s'}[$__rate_interval])) by (cache), "
                        + "\"dst\", \"$1\", \"src\", \"(.*)\")");

        assertThat(query.metricNames()).containsExactly("a_total");
        assertThat(query.groupingLabels()).containsExactly("cache");
        assertThat(query.selectors().get(0).matchers())
                .extracting(PromQl.LabelMatcher::value)
                .containsExactly("/x{y}(z)", "it's");
    }

    @Test
    void parseWhenOffsetAtSubqueryNumbersAndKeywordsThenNoneIsAMetric() {
        PromQl.Query query = PromQl.parse("increase(b_total[15m]) > 0 or (b_total > 1e3 unless b_total offset 15m) "
                + "and max_over_time(c[1h:5m] @ end()) * 0x10 + .5 - vector(1) + time()");

        assertThat(query.metricNames()).containsExactly("b_total", "c");
        assertThat(query.selectors()).hasSize(4);
    }

    @Test
    void parseWhenNameIsAMatcherOrQuotedThenItIsTheName() {
        PromQl.Query query = PromQl.parse("{__name__=\"d_total\", job=\"x\"} + {\"e.total\", a=\"b\"} + f{}");

        assertThat(query.selectors())
                .containsExactly(
                        new PromQl.Selector("d_total", List.of(new PromQl.LabelMatcher("job", "=", "x"))),
                        new PromQl.Selector("e.total", List.of(new PromQl.LabelMatcher("a", "=", "b"))),
                        new PromQl.Selector("f", List.of()));
    }

    @Test
    void labelMatcherWhenRegexThenAnchoredAndAbsentLabelIsEmpty() {
        PromQl.LabelMatcher failure = new PromQl.LabelMatcher("outcome", "=~", "fail.*");
        PromQl.LabelMatcher notIssued = new PromQl.LabelMatcher("outcome", "!=", "issued");

        assertThat(failure.matches("failure")).isTrue();
        assertThat(failure.matches("no-failure")).isFalse();
        assertThat(notIssued.matches(null)).isTrue();
        assertThat(new PromQl.LabelMatcher("namespace", "=~", "$namespace").templated())
                .isTrue();
    }

    @Test
    void parseWhenBrokenThenSaysSo() {
        assertThatIllegalArgumentException().isThrownBy(() -> PromQl.parse("rate(x[5m)"));
        assertThatIllegalArgumentException().isThrownBy(() -> PromQl.parse("x{a=\"b}"));
        assertThatIllegalArgumentException().isThrownBy(() -> PromQl.parse("{job=\"x\"}"));
    }
}
