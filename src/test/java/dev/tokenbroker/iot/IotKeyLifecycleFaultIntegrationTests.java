package dev.tokenbroker.iot;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.GATEWAY_KEY;
import static dev.tokenbroker.testing.TestBroker.IOT_MASTER_KEY;
import static dev.tokenbroker.testing.TestBroker.IOT_MASTER_TOKEN;
import static dev.tokenbroker.testing.TestBroker.IOT_ORG;
import static dev.tokenbroker.testing.TestBroker.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.sim.IotSimulator;
import dev.tokenbroker.testing.SeparateBroker;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * The WIoTP key lifecycle under faults (DESIGN §5), against a broker of its own and a WIoTP simulator of its own:
 * creates whose answer comes after the broker's response timeout, deletes that fail with 500, and forced refreshes
 * racing evictions, over many cycles of the fake clock. After every step: every key a caller received is alive until
 * its {@code expires_at}; no key outlives its {@code expires_at} by more than the revocation retry budget; and no live
 * key tagged by this broker stays unknown to it for longer than one sweep interval.
 */
class IotKeyLifecycleFaultIntegrationTests {

    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);
    private static final Duration BUDGET = Duration.ofMinutes(5);
    private static final int CYCLES = 12;

    private final IotSimulator platform = IotSimulator.start(CLOCK);
    private final Map<String, Instant> received = new LinkedHashMap<>();
    private ConfigurableApplicationContext broker;
    private IotKeyLedger ledger;
    private WebClient api;
    private WebClient ops;

    @BeforeEach
    void start() {
        platform.addOrg(IOT_ORG, IOT_MASTER_KEY, IOT_MASTER_TOKEN);
        broker = SeparateBroker.start(List.of(
                "--tokenbroker.iot.api-url=" + platform.apiUrl(),
                "--tokenbroker.iot.http.response-timeout=300ms",
                "--tokenbroker.iot.http.max-retries=2",
                "--tokenbroker.iot.http.initial-backoff=20ms",
                "--tokenbroker.iot.http.max-backoff=50ms",
                "--tokenbroker.iot.sweep-interval=" + SWEEP_INTERVAL.toMillis() + "ms",
                "--tokenbroker.iot.revocation-interval=100ms",
                "--tokenbroker.iot.revocation-retry-budget=" + BUDGET.toMinutes() + "m"));
        ledger = broker.getBean(IotKeyLedger.class);
        api = WebClient.create("http://127.0.0.1:" + SeparateBroker.port(broker));
        ops = WebClient.builder()
                .baseUrl("http://127.0.0.1:" + SeparateBroker.managementPort(broker))
                .defaultHeaders(headers -> headers.setBearerAuth(OPS_KEY))
                .build();
    }

    @AfterEach
    void stop() {
        broker.close();
        platform.close();
    }

    @Test
    void lifecycleWhenCreatesTimeOutDeletesFailAndRefreshesRaceEvictionsThenEveryPromiseHolds() {
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            boolean slow = cycle % 3 == 1;
            platform.delayCreateAnswers(slow ? Duration.ofMillis(600) : Duration.ZERO);
            // More failures than one revocation's own HTTP retries absorb: the ledger's backoff must carry them.
            platform.failNextDeletes(cycle % 2 == 0 ? 5 : 0);

            int status = askForKey();
            assertThat(status).as("cycle %d", cycle).isEqualTo(slow ? 503 : 200);
            checkPromises();
            refreshRacingEvict();
            checkPromises();
            CLOCK.advance(Duration.ofMinutes(13));
            checkPromises();
        }
        platform.delayCreateAnswers(Duration.ZERO);
        platform.failNextDeletes(0);
        CLOCK.advance(Duration.ofHours(2));

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(platform.live())
                        .filteredOn(IotSimulator.Key::minted)
                        .isEmpty());
        assertThat(ledger.size()).isZero();
        assertThat(received).hasSizeGreaterThanOrEqualTo(CYCLES / 2);
        assertThat(platform.created().size())
                .as("timed-out creates were made and reconciled")
                .isGreaterThan(CYCLES);
    }

    private int askForKey() {
        return api.post()
                .uri("/v1/credentials/factory-iot/iot-key")
                .headers(headers -> headers.setBearerAuth(GATEWAY_KEY))
                .exchangeToMono(response -> response.statusCode().value() == 200
                        ? response.bodyToMono(Map.class).map(body -> {
                            received.put((String) body.get("auth-key"), Instant.parse((String) body.get("expires_at")));
                            return 200;
                        })
                        : response.releaseBody()
                                .thenReturn(response.statusCode().value()))
                .block(Duration.ofSeconds(30));
    }

    // A forced refresh and an evict of the same credential, sent together.
    private void refreshRacingEvict() {
        Mono<Integer> refresh = ops.post()
                .uri("/actuator/tokens/factory-iot")
                .exchangeToMono(response ->
                        response.releaseBody().thenReturn(response.statusCode().value()));
        Mono<Integer> evict = ops.delete()
                .uri("/actuator/tokens/factory-iot")
                .exchangeToMono(response ->
                        response.releaseBody().thenReturn(response.statusCode().value()));
        Mono.zip(refresh, evict).block(Duration.ofSeconds(30));
    }

    private void checkPromises() {
        Instant now = CLOCK.instant();
        received.forEach((key, expiresAt) -> {
            if (now.isBefore(expiresAt)) {
                assertThat(platform.isLive(key))
                        .as("a key a caller received is valid until its expires_at")
                        .isTrue();
            }
        });
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(platform.live())
                        .filteredOn(IotSimulator.Key::minted)
                        .filteredOn(key -> key.expiresAt().plus(BUDGET).isBefore(now))
                        .as("no key outlives its expires_at by more than the revocation retry budget")
                        .isEmpty());
        await().atMost(SWEEP_INTERVAL.multipliedBy(3))
                .untilAsserted(() -> assertThat(platform.live())
                        .filteredOn(key ->
                                key.comment() != null && key.comment().contains(" instance=" + ledger.instance() + " "))
                        .filteredOn(key ->
                                !ledger.tracks(key.key()) && !ledger.isCreating(IotKeyProvider.nonceOf(key.comment())))
                        .as("no live tagged key is unknown to the broker for longer than one sweep interval")
                        .isEmpty());
    }
}
