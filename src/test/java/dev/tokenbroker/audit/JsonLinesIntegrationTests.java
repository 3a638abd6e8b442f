package dev.tokenbroker.audit;

import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.SeparateBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code tokenbroker.audit.stdout=json-lines} in a running broker: every audit line of concurrent requests (cache hits
 * and 401s) reaches standard output bare (the whole line is the JSON object), exactly once, with the status its client
 * was sent, by the time the application context has closed. That stopping writes what is still queued is shown on the
 * journal itself ({@link AuditJournalTests}). A separate broker, so that the shared context keeps Boot's console
 * pattern.
 */
@ExtendWith(OutputCaptureExtension.class)
class JsonLinesIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int REQUESTS = 600;

    private static ConfigurableApplicationContext broker;

    @BeforeAll
    static void start() {
        broker = SeparateBroker.start(List.of("--tokenbroker.audit.stdout=json-lines"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void auditWhenJsonLinesThenEveryLineBareOnceWithItsStatusAndNoneLostAtClose(CapturedOutput output) {
        WebClient client = WebClient.create("http://127.0.0.1:" + SeparateBroker.port(broker));
        Map<String, Integer> sent = new HashMap<>();
        List<Mono<Void>> requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            String id = "json-lines-" + i;
            // Mostly cache hits; every tenth a client key the broker does not know (401).
            String key = i % 10 == 0 ? "tbk_unknown" + i : SCORER_KEY;
            sent.put(id, i % 10 == 0 ? 401 : 200);
            requests.add(client.post()
                    .uri("/v1/credentials/wml-prod/iam-token")
                    .header("Authorization", "Bearer " + key)
                    .header("X-Request-Id", id)
                    .exchangeToMono(response -> {
                        assertThat(response.statusCode().value()).as(id).isEqualTo(sent.get(id));
                        return response.releaseBody();
                    }));
        }
        Flux.fromIterable(requests).flatMap(request -> request, 32).blockLast(Duration.ofSeconds(60));

        // Closing writes whatever is still queued (and gives the AUDIT logger back its console pattern).
        broker.close();

        Map<String, List<JsonNode>> audited = new HashMap<>();
        for (String line : output.getOut().split("\n", -1)) {
            if (line.contains("\"request_id\":\"json-lines-")) {
                assertThat(line)
                        .as("a bare JSON line")
                        .startsWith("{\"time\":\"")
                        .endsWith("}");
                JsonNode audit = JSON.readTree(line);
                audited.computeIfAbsent(audit.path("request_id").asString(), id -> new ArrayList<>())
                        .add(audit);
            }
        }
        assertThat(audited.keySet()).containsExactlyInAnyOrderElementsOf(sent.keySet());
        sent.forEach((id, status) -> {
            assertThat(audited.get(id)).as(id).hasSize(1);
            JsonNode audit = audited.get(id).get(0);
            assertThat(audit.path("status").asInt()).as(id).isEqualTo(status);
            assertThat(audit.path("outcome").asString()).as(id).isEqualTo(status == 200 ? "issued" : "refused");
        });
    }
}
