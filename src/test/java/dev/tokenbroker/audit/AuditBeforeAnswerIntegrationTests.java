package dev.tokenbroker.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.SandboxProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * DESIGN §3: an issuance's audit line is written before the credential's bytes are sent, so every credential a client
 * received has its line even if the broker is killed the next instant; and a line that cannot be written means no
 * credential (503), as Vault refuses to answer when no audit device can log. Each test runs the sandbox broker in a
 * process of its own with the chart's audit mode ({@code json-lines}) and drives it over loopback HTTP.
 */
class AuditBeforeAnswerIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> CHART_AUDIT = List.of(
            "--tokenbroker.audit.stdout=json-lines",
            "--tokenbroker.callers.rate-limit.requests-per-second=100000000",
            "--tokenbroker.callers.rate-limit.burst=100000000",
            "--tokenbroker.server.max-connections-per-address=5000");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void issuedWhenTheBrokerIsKilledInTheMiddleOfLoadThenEveryAnswerAClientReceivedHasItsLine(@TempDir Path folder)
            throws Exception {
        Path stdout = folder.resolve("stdout.log");
        Set<String> received = ConcurrentHashMap.newKeySet();
        AtomicInteger sent = new AtomicInteger();
        try (SandboxProcess broker = SandboxProcess.start(stdout, CHART_AUDIT)) {
            String key = broker.clientKey();
            ExecutorService clients = Executors.newFixedThreadPool(16);
            AtomicBoolean running = new AtomicBoolean(true);
            for (int i = 0; i < 16; i++) {
                clients.execute(() -> {
                    while (running.get()) {
                        String id = "kill-" + sent.incrementAndGet();
                        try {
                            HttpResponse<String> answer = http.send(iamToken(broker, key, id), bodyAsString());
                            if (answer.statusCode() == 200 && answer.body().contains("access_token")) {
                                received.add(id);
                            }
                        } catch (IOException killed) {
                            // The broker is gone (or going): this request got nothing.
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                });
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> received.size() >= 3_000);

            broker.kill();
            running.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }

        Set<String> audited = Files.readAllLines(stdout).stream()
                .filter(line -> line.startsWith("{\"time\""))
                .map(JSON::readTree)
                .filter(line -> "issued".equals(line.path("outcome").asString()))
                .map(line -> line.path("request_id").asString())
                .collect(Collectors.toSet());
        Set<String> missing = new TreeSet<>(received);
        missing.removeAll(audited);
        System.out.printf(
                "MEASURED SIGKILL under load: %d answers received with 200, %d issued lines, %d answers without a line%n",
                received.size(), audited.size(), missing.size());
        assertThat(received).hasSizeGreaterThanOrEqualTo(3_000);
        assertThat(missing).as("answers received without an audit line").isEmpty();
    }

    @Test
    void issuedWhenStandardOutputIsClosedThen503AndNoCredential() throws Exception {
        try (SandboxProcess broker = SandboxProcess.start(null, CHART_AUDIT)) {
            String key = broker.clientKey();
            broker.pipe().close();

            HttpResponse<String> first = http.send(iamToken(broker, key, "closed-1"), bodyAsString());
            HttpResponse<String> again = http.send(iamToken(broker, key, "closed-2"), bodyAsString());
            HttpResponse<String> anonymous = http.send(
                    HttpRequest.newBuilder(uri(broker))
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    bodyAsString());

            for (HttpResponse<String> refused : List.of(first, again)) {
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.headers().firstValue("Retry-After")).isPresent();
                assertThat(refused.body())
                        .contains("https://token-broker.dev/problems/audit-unavailable")
                        .doesNotContain("access_token");
            }
            assertThat(anonymous.statusCode()).as("a refusal is still answered").isEqualTo(401);
        }
    }

    @Test
    void issuedWhenStandardOutputStopsTakingLinesThen503OnceTheQueueIsFullAndServedAgainWhenItDrains()
            throws Exception {
        List<String> arguments = new ArrayList<>(CHART_AUDIT);
        // Room for some 60 lines: more than 16 clients ever queue at once, few enough to fill soon.
        arguments.add("--tokenbroker.audit.queue-capacity=32KB");
        try (SandboxProcess broker = SandboxProcess.start(null, arguments)) {
            String key = broker.clientKey();
            // Nobody reads standard output now: the pipe (64 KiB) fills, then the audit queue.
            List<HttpResponse<String>> refusedEarly = new CopyOnWriteArrayList<>();
            List<CompletableFuture<HttpResponse<String>>> answers = new CopyOnWriteArrayList<>();
            ExecutorService clients = Executors.newFixedThreadPool(16);
            AtomicInteger sent = new AtomicInteger();
            for (int i = 0; i < 16; i++) {
                clients.execute(() -> {
                    // A client gives up waiting after a second and asks again; the answer it left may come later.
                    while (refusedEarly.isEmpty() && sent.incrementAndGet() < 5_000) {
                        CompletableFuture<HttpResponse<String>> answer =
                                http.sendAsync(iamToken(broker, key, "full-" + sent.get()), bodyAsString());
                        answers.add(answer);
                        HttpResponse<String> got = answer.copy()
                                .completeOnTimeout(null, 1, TimeUnit.SECONDS)
                                .join();
                        if (got != null && got.statusCode() == 503) {
                            refusedEarly.add(got);
                        }
                    }
                });
            }
            clients.shutdown();
            assertThat(clients.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
            long waiting = answers.stream().filter(answer -> !answer.isDone()).count();

            Thread drain = new Thread(() -> broker.pipe().lines().forEach(line -> {}));
            drain.setDaemon(true);
            drain.start();
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            HttpResponse<String> afterwards = http.send(iamToken(broker, key, "drained"), bodyAsString());

            System.out.printf(
                    "MEASURED stuck output: %d answers of %d held until their lines were written, %d refused 503%n",
                    waiting, answers.size(), refusedEarly.size());
            assertThat(refusedEarly)
                    .isNotEmpty()
                    .allSatisfy(answer -> assertThat(answer.body())
                            .contains("audit-unavailable")
                            .doesNotContain("access_token"));
            assertThat(waiting)
                    .as("answers held until their lines were written")
                    .isPositive();
            assertThat(answers)
                    .allSatisfy(answer -> assertThat(answer.join().statusCode()).isIn(200, 503));
            assertThat(afterwards.statusCode()).isEqualTo(200);
        }
    }

    private static HttpRequest iamToken(SandboxProcess broker, String key, String requestId) {
        return HttpRequest.newBuilder(uri(broker))
                .header("Authorization", "Bearer " + key)
                .header("X-Request-Id", requestId)
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
    }

    private static URI uri(SandboxProcess broker) {
        return URI.create("http://127.0.0.1:" + broker.port() + "/v1/credentials/demo/iam-token");
    }

    private static HttpResponse.BodyHandler<String> bodyAsString() {
        return HttpResponse.BodyHandlers.ofString();
    }
}
