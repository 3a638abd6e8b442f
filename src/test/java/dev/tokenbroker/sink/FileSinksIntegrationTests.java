package dev.tokenbroker.sink;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.audit.AuditLog;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.iam.IamToken;
import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.json.JsonMapper;

class FileSinksIntegrationTests extends BrokerIntegrationTest {

    private static final Path SIDECAR_PROD_FILE = TestBroker.SINKS.resolve("sidecar-prod.json");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalManagementPort
    int managementPort;

    @Autowired
    HealthEndpointGroups groups;

    @Autowired
    AuditLog audit;

    @TempDir
    Path folder;

    @Test
    void startupWhenSinkConfiguredThenFileWrittenWithMode0600AndStartupGroupUp() throws IOException {
        WebTestClient management = WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + managementPort)
                .build();

        management
                .get()
                .uri("/actuator/health/startup")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo("UP");
        assertThat(groups.get("startup").isMember("sinks")).isTrue();
        assertThat(groups.get("readiness").isMember("sinks")).isTrue();
        assertThat(Files.getPosixFilePermissions(SIDECAR_PROD_FILE))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(sinks.writers()).singleElement().satisfies(writer -> {
            assertThat(writer.credential()).isEqualTo("sidecar-prod");
            assertThat(writer.format()).isEqualTo(SinkFormat.JSON);
            assertThat(writer.written()).isTrue();
        });
    }

    @Test
    void refreshWhenForcedThenSinkFileRewrittenWithTheNewToken() {
        IamToken first = issuer.iamToken(sidecarProd(), Duration.ZERO).block(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> first.accessToken().reveal().equals(fileToken()));

        issuer.caches().get(0).operations().refresh("sidecar-prod").block(Duration.ofSeconds(10));
        IamToken fresh = issuer.iamToken(sidecarProd(), Duration.ZERO).block(Duration.ofSeconds(10));

        assertThat(fresh.accessToken()).isNotEqualTo(first.accessToken());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> fresh.accessToken().reveal().equals(fileToken()));
        assertThat(IAM.tokenCalls()).isEqualTo(2);
        assertThat(IAM.keyThatMinted(fileToken())).isEqualTo(TestBroker.WML_PROD_KEY);
    }

    @Test
    void refreshDueWhenSinkCredentialIdleLongerThanIdleTimeoutThenStillRefreshedAndRewritten() {
        IamToken first = issuer.iamToken(sidecarProd(), Duration.ZERO).block(Duration.ofSeconds(10));
        IAM.tokenLifetime(Duration.ofHours(4));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> first.accessToken().reveal().equals(fileToken()));

        CLOCK.advance(Duration.ofMinutes(55)); // past 80% of 1 h, and idle for less than 2 h: any entry refreshes
        await().atMost(Duration.ofSeconds(10)).until(() -> IAM.tokenCalls() == 2);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !first.accessToken().reveal().equals(fileToken()));
        CLOCK.advance(Duration.ofMinutes(200)); // past 80% of 4 h, idle for over 4 h: only a warm entry refreshes

        await().atMost(Duration.ofSeconds(10)).until(() -> IAM.tokenCalls() == 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> IAM.requests().size() == 3 && isLatestMintOnDisk());
    }

    @Test
    void healthWhenFirstMintHeldThenDownUntilTheFileIsWritten() {
        Path file = folder.resolve("held.token");
        FileSinks fresh = sinksOf(file, SinkFormat.RAW);
        SinksHealthIndicator health = new SinksHealthIndicator(fresh);
        IAM.hold();

        fresh.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> IAM.tokenCalls() == 1);
            Status whileHeld = health.health().block().getStatus();
            boolean fileWhileHeld = Files.exists(file);
            IAM.release();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> health.health().block().getStatus().equals(Status.UP));

            assertThat(whileHeld).isEqualTo(Status.DOWN);
            assertThat(fileWhileHeld).isFalse();
            assertThat(read(file))
                    .isEqualTo(issuer.iamToken(sidecarProd(), Duration.ZERO)
                            .block(Duration.ofSeconds(10))
                            .accessToken()
                            .reveal());
        } finally {
            fresh.stop();
        }
    }

    @Test
    void startWhenUpstreamDownThenRetriesWithBackoffUntilWritten() {
        Path file = folder.resolve("retried.token");
        FileSinks fresh = sinksOf(file, SinkFormat.RAW);
        IAM.stop();

        fresh.start();
        try {
            FileSinkWriter writer = fresh.writers().get(0);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> writer.lastError().isPresent());
            assertThat(writer.written()).isFalse();
            assertThat(new SinksHealthIndicator(fresh).health().block().getStatus())
                    .isEqualTo(Status.DOWN);
            IAM.restart();

            await().atMost(Duration.ofSeconds(60)).until(writer::written);
            assertThat(writer.lastError()).isEmpty();
            assertThat(IAM.keyThatMinted(read(file))).isEqualTo(TestBroker.WML_PROD_KEY);
        } finally {
            fresh.stop();
        }
    }

    @Test
    void checkWhenCacheLostTheCredentialThenMintsAgainAndRewrites() {
        Path file = folder.resolve("evicted.token");
        FileSinkWriter writer =
                new FileSinkWriter(new SinkTarget(sidecarProd(), file, SinkFormat.RAW), JSON, TestBroker.CLOCK);
        FileSinks fresh = new FileSinks(List.of(writer), issuer, Duration.ofMillis(200), audit);
        fresh.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(writer::written);
            String first = read(file);

            issuer.caches().get(0).operations().evict("sidecar-prod");

            await().atMost(Duration.ofSeconds(10)).until(() -> !read(file).equals(first));
            assertThat(IAM.tokenCalls()).isEqualTo(2);
            assertThat(IAM.keyThatMinted(read(file))).isEqualTo(TestBroker.WML_PROD_KEY);
        } finally {
            fresh.stop();
        }
    }

    @Test
    void healthWhenNoSinksThenUp() {
        FileSinks none = new FileSinks(List.of(), issuer, Duration.ofHours(1), audit);

        assertThat(new SinksHealthIndicator(none).health().block().getStatus()).isEqualTo(Status.UP);
    }

    private boolean isLatestMintOnDisk() {
        return issuer.caches().get(0).operations().entries().stream()
                        .anyMatch(entry ->
                                entry.credential().equals("sidecar-prod") && entry.mints() == 3 && !entry.refreshing())
                && IAM.keyThatMinted(fileToken()) != null
                && issuer.iamToken(sidecarProd(), Duration.ZERO)
                        .block(Duration.ofSeconds(10))
                        .accessToken()
                        .reveal()
                        .equals(fileToken());
    }

    private FileSinks sinksOf(Path file, SinkFormat format) {
        FileSinkWriter writer = new FileSinkWriter(new SinkTarget(sidecarProd(), file, format), JSON, TestBroker.CLOCK);
        return new FileSinks(List.of(writer), issuer, Duration.ofHours(1), audit);
    }

    private Credential sidecarProd() {
        return registry.find("sidecar-prod").orElseThrow();
    }

    private static String fileToken() {
        return JSON.readTree(read(SIDECAR_PROD_FILE)).get("access_token").asString();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
