package dev.tokenbroker.ops;

import static dev.tokenbroker.testing.TestBroker.GATEWAY_KEY;
import static dev.tokenbroker.testing.TestBroker.OPS_KEY;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_DEV_KEY;
import static dev.tokenbroker.testing.TestBroker.WML_PROD_KEY;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.testing.SeparateBroker;
import dev.tokenbroker.testing.TestBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * The scene of scripts/dashboard-check.sh (issue 25's browser check): a Spring Boot Admin server as
 * {@link TestAdminServer} sets it up, with whatever UI extension is on the class path (the script puts the packaged
 * {@code token-broker-sba-extension.jar} there), and a broker registered as {@code token-broker} whose IAM went down
 * after it had cached credentials: an IAM token (wml-prod), a WIoTP key (factory-iot) and the file sink's token; IAM
 * refused wml-badkey's master key; then IAM stopped answering, wml-dev could not be minted, and a forced refresh of
 * wml-prod failed. Once SBA shows the broker RESTRICTED with iam DOWN, it prints {@code DASHBOARD_SBA_URL=…} and
 * {@code DASHBOARD_INSTANCE=…} and runs until killed. Prints no key.
 */
final class DashboardDemo {

    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {};

    private DashboardDemo() {}

    public static void main(String[] args) throws InterruptedException {
        ConfigurableApplicationContext admin = TestAdminServer.start();
        String adminUrl = TestAdminServer.url(admin);
        IamSimulator iam = IamSimulator.start(TestBroker.CLOCK);
        iam.addKey(WML_PROD_KEY);
        iam.addKey(WML_DEV_KEY);
        ConfigurableApplicationContext broker =
                TestAdminServer.broker(adminUrl, "token-broker", List.of("--tokenbroker.iam.url=" + iam.url()));
        WebClient api = WebClient.create("http://127.0.0.1:" + SeparateBroker.port(broker));
        WebClient actuator = WebClient.builder()
                .baseUrl("http://127.0.0.1:" + SeparateBroker.managementPort(broker))
                .defaultHeaders(headers -> headers.setBearerAuth(OPS_KEY))
                .build();

        expect(200, ask(api, SCORER_KEY, "/v1/credentials/wml-prod/iam-token"));
        expect(200, ask(api, GATEWAY_KEY, "/v1/credentials/factory-iot/iot-key"));
        expect(502, ask(api, SCORER_KEY, "/v1/credentials/wml-badkey/iam-token"));
        iam.stop();
        expect(503, ask(api, SCORER_KEY, "/v1/credentials/wml-dev/iam-token"));
        expect(200, ask(api, SCORER_KEY, "/v1/credentials/wml-prod/iam-token"));
        expect(502, status(actuator.post().uri("/actuator/tokens/wml-prod")));

        WebClient sba = WebClient.create(adminUrl);
        String instance = awaitRestrictedWithIamDown(sba);
        System.out.println("DASHBOARD_SBA_URL=" + adminUrl);
        System.out.println("DASHBOARD_INSTANCE=" + instance);
        System.out.flush();
        Thread.currentThread().join();
    }

    private static Mono<Integer> ask(WebClient api, String callerKey, String path) {
        return status(api.post()
                .uri(path)
                .headers(headers -> headers.setBearerAuth(callerKey))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{}"));
    }

    private static Mono<Integer> status(WebClient.RequestHeadersSpec<?> request) {
        return request.exchangeToMono(response ->
                response.releaseBody().thenReturn(response.statusCode().value()));
    }

    private static void expect(int expected, Mono<Integer> answer) {
        int status = answer.block(Duration.ofSeconds(60));
        if (status != expected) {
            throw new IllegalStateException("expected HTTP " + expected + ", got " + HttpStatusCode.valueOf(status));
        }
    }

    // The instance id once SBA's status of it is RESTRICTED with iam DOWN (SBA checks every few seconds).
    private static String awaitRestrictedWithIamDown(WebClient sba) {
        AtomicReference<String> found = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    List<Map<String, Object>> instances = sba.get()
                            .uri("/instances?name=token-broker")
                            .accept(MediaType.APPLICATION_JSON)
                            .retrieve()
                            .bodyToFlux(JSON)
                            .collectList()
                            .block(Duration.ofSeconds(10));
                    for (Map<String, Object> instance : instances) {
                        Map<String, Object> status = child(instance, "statusInfo");
                        Map<String, Object> iam = child(child(child(status, "details"), "upstreams"), "details");
                        if ("RESTRICTED".equals(status.get("status"))
                                && "DOWN".equals(child(iam, "iam").get("status"))) {
                            found.set((String) instance.get("id"));
                        }
                    }
                    return found.get() != null;
                });
        return found.get();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> child(Map<String, Object> parent, String name) {
        Object child = parent.get(name);
        return child instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }
}
