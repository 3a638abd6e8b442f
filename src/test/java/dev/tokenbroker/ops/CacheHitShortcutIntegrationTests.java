package dev.tokenbroker.ops;

import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.RequestTracker;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

/**
 * The cache-hit shortcut ({@code api/CacheHits}) answers the plainest cache hit in front of the application with what
 * the application answers for it: the same status, headers in the same order with the same values, the same token,
 * the audit line, and the same meters. The application's own answer comes from the same request with an (empty) JSON
 * body, which the shortcut leaves to it. That the shortcut answered is seen from the test's request tracker, whose
 * filter in the application never sees its requests.
 */
@ExtendWith(OutputCaptureExtension.class)
class CacheHitShortcutIntegrationTests extends ManagementTest {

    @Autowired
    private RequestTracker requests;

    @Test
    void iamTokenWhenAPlainCacheHitThenAnsweredInFrontOfTheApplicationAsTheApplicationAnswersIt(CapturedOutput output) {
        String token = accessTokenFor(SCORER_KEY, "wml-prod");
        PrometheusScrape before = scrape();
        requests.reset();

        EntityExchangeResult<Map<String, Object>> application = iamToken(SCORER_KEY, "wml-prod")
                .header(RequestTracker.HEADER, "yes")
                .header("X-Request-Id", "through-the-application")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{}")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult();
        assertThat(requests.reachedApplication())
                .as("the request with a body went through the application")
                .isEqualTo(1);
        EntityExchangeResult<Map<String, Object>> shortcut = iamToken(SCORER_KEY, "wml-prod")
                .header(RequestTracker.HEADER, "yes")
                .header("X-Request-Id", "by-the-shortcut")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult();
        PrometheusScrape after = scrape();

        assertThat(requests.reachedApplication())
                .as("the plain request never reached the application")
                .isEqualTo(1);
        assertThat(requests.tracked()).isEqualTo(2);
        assertThat(shortcut.getResponseBody()).isEqualTo(application.getResponseBody());
        assertThat(shortcut.getResponseBody()).containsEntry("access_token", token);
        assertThat(headers(shortcut.getResponseHeaders(), "by-the-shortcut"))
                .isEqualTo(headers(application.getResponseHeaders(), "through-the-application"))
                .extracting(Entry::getKey)
                .startsWith("X-Request-Id", "Cache-Control", "Pragma", "Content-Type", "Content-Length");
        assertThat(output.getAll())
                .containsOnlyOnce("\"request_id\":\"by-the-shortcut\",\"caller\":\"client:scorer\","
                        + "\"credential\":\"wml-prod\",\"grant\":\"iam-token\",\"outcome\":\"issued\",\"status\":200");
        assertThat(PrometheusScrape.delta(
                        before,
                        after,
                        "http_server_requests_seconds_count",
                        "method",
                        "POST",
                        "status",
                        "200",
                        "uri",
                        "/v1/credentials/{name}/iam-token",
                        "outcome",
                        "SUCCESS",
                        "exception",
                        "none"))
                .isEqualTo(2);
        assertThat(PrometheusScrape.delta(
                        before,
                        after,
                        "tokenbroker_requests_total",
                        "credential",
                        "wml-prod",
                        "grant",
                        "iam-token",
                        "outcome",
                        "issued"))
                .isEqualTo(2);
        assertThat(PrometheusScrape.delta(
                        before,
                        after,
                        "tokenbroker_cache_lookup_seconds_count",
                        "cache",
                        "iam-token",
                        "credential",
                        "wml-prod",
                        "error",
                        "none"))
                .isEqualTo(2);
        assertThat(PrometheusScrape.delta(before, after, "cache_gets_total", "cache", "iam-token", "result", "hit"))
                .isEqualTo(2);
    }

    // Every header as sent, in order, with the request id's value replaced by its name.
    private static List<Entry<String, String>> headers(HttpHeaders headers, String requestId) {
        return headers.headerSet().stream()
                .flatMap(header -> header.getValue().stream()
                        .map(value -> Map.entry(header.getKey(), value.equals(requestId) ? "(request id)" : value)))
                .toList();
    }
}
