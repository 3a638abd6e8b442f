package dev.tokenbroker.ops;

import static dev.tokenbroker.testing.TestBroker.OPS_KEY;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import de.codecentric.boot.admin.server.config.EnableAdminServer;
import dev.tokenbroker.testing.SeparateBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Spring Boot Admin server (de.codecentric 4.1) and a broker that registers with it by configuration alone:
 * {@code spring.boot.admin.client.url} and the instance metadata {@code user.name} / {@code user.password} (the ops
 * client id and its client key), which SBA sends as HTTP Basic. Everything is read through SBA's own REST API, as its
 * UI does: the instance's status, health with components and details, metrics, env values, loggers (changing a
 * level through SBA), and the {@code tokens} endpoint.
 */
class SpringBootAdminIntegrationTests {

    private static final String LOGGER = "dev.tokenbroker.sba-probe";
    private static final MediaType ACTUATOR_V3 =
            MediaType.parseMediaType("application/vnd.spring-boot.actuator.v3+json");

    private static ConfigurableApplicationContext admin;
    private static ConfigurableApplicationContext broker;
    private static WebTestClient sba;
    private static String instance;

    @BeforeAll
    static void startAdminServerAndBroker() {
        admin = new SpringApplicationBuilder(AdminServer.class)
                .properties(
                        "server.port=0",
                        "server.address=127.0.0.1",
                        "spring.main.web-application-type=reactive",
                        "spring.jmx.enabled=false",
                        "spring.thymeleaf.check-template-location=false")
                // Not the broker's application.yaml, which is on this class path too.
                .run("--spring.config.name=spring-boot-admin-test");
        String adminUrl = "http://127.0.0.1" + ":" + admin.getEnvironment().getProperty("local.server.port");
        broker = SeparateBroker.start(List.of(
                "--server.address=127.0.0.1",
                "--management.server.address=127.0.0.1",
                "--spring.boot.admin.client.url=" + adminUrl,
                "--spring.boot.admin.client.instance.service-host-type=IP",
                "--spring.boot.admin.client.instance.metadata.user.name=ops",
                "--spring.boot.admin.client.instance.metadata.user.password=" + OPS_KEY));
        sba = WebTestClient.bindToServer()
                .baseUrl(adminUrl)
                .responseTimeout(Duration.ofSeconds(30))
                .build();
        await().atMost(Duration.ofSeconds(60)).until(() -> registeredAndUp() != null);
        instance = registeredAndUp().path("id").asString();
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
        if (admin != null) {
            admin.close();
        }
    }

    @Test
    void instanceWhenRegisteredByConfigurationThenSbaSeesItsActuatorEndpointsIncludingTokens() {
        JsonNode registered = registeredAndUp();

        assertThat(registered.path("registration").path("managementUrl").asString())
                .isEqualTo("http://127.0.0.1:" + SeparateBroker.managementPort(broker) + "/actuator");
        assertThat(registered.path("endpoints").findValuesAsString("id"))
                .contains("health", "info", "metrics", "env", "configprops", "loggers", "prometheus", "tokens");
        assertThat(registered.toString()).doesNotContain(OPS_KEY);
    }

    @Test
    void healthThroughSbaWhenReadThenComponentsWithStandardStatusesAndDetails() {
        JsonNode health = get("/actuator/health");

        assertThat(health.path("status").asString()).isIn("UP", "DEGRADED");
        assertThat(health.path("components").path("vault").path("status").asString())
                .isEqualTo("UP");
        assertThat(health.path("components").path("upstreams").path("status").asString())
                .isIn("UP", "DEGRADED");
        assertThat(health.path("components")
                        .path("diskSpace")
                        .path("details")
                        .path("free")
                        .isNumber())
                .isTrue();
        assertThat(health.path("components")
                        .path("readinessState")
                        .path("status")
                        .asString())
                .isEqualTo("UP");
    }

    @Test
    void metricsAndEnvThroughSbaWhenReadThenValuesShow() {
        JsonNode requests = get("/actuator/metrics/tokenbroker.requests");
        JsonNode scanInterval = get("/actuator/env/tokenbroker.cache.scan-interval");
        JsonNode pid = get("/actuator/env/PID");
        JsonNode info = get("/actuator/info");

        assertThat(requests.path("description").asString()).isNotBlank();
        assertThat(requests.path("availableTags").findValuesAsString("tag")).contains("credential", "outcome");
        assertThat(scanInterval.path("property").path("value").asString()).isEqualTo("200ms");
        assertThat(pid.path("property").path("value").asString())
                .isEqualTo(String.valueOf(ProcessHandle.current().pid()));
        assertThat(info.path("java").path("version").asString()).isEqualTo(System.getProperty("java.version"));
        assertThat(info.path("os").path("name").asString()).isEqualTo(System.getProperty("os.name"));
        assertThat(info.path("build").path("version").asString()).isEqualTo("0.1.0-SNAPSHOT");
    }

    @Test
    void loggersThroughSbaWhenLevelChangedThenBrokerLogsAtIt() {
        sba.post()
                .uri("/instances/{id}/actuator/loggers/{name}", instance, LOGGER)
                .contentType(ACTUATOR_V3)
                .bodyValue(Map.of("configuredLevel", "DEBUG"))
                .exchange()
                .expectStatus()
                .is2xxSuccessful();

        JsonNode logger = get("/actuator/loggers/" + LOGGER);

        assertThat(logger.path("configuredLevel").asString()).isEqualTo("DEBUG");
        assertThat(get("/actuator/loggers").path("levels").toString()).contains("DEBUG");
        sba.post()
                .uri("/instances/{id}/actuator/loggers/{name}", instance, LOGGER)
                .contentType(ACTUATOR_V3)
                .bodyValue(Map.of())
                .exchange()
                .expectStatus()
                .is2xxSuccessful();
    }

    @Test
    void tokensThroughSbaWhenACredentialIsCachedThenListsIt() {
        WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + SeparateBroker.port(broker))
                .build()
                .post()
                .uri("/v1/credentials/wml-prod/iam-token")
                .headers(headers -> headers.setBearerAuth(SCORER_KEY))
                .exchange()
                .expectStatus()
                .isOk();

        JsonNode tokens = get("/actuator/tokens");

        assertThat(tokens.path("tokens").findValuesAsString("credential")).contains("wml-prod");
        assertThat(tokens.toString()).doesNotContain("access_token");
    }

    // As SBA's UI asks: with the actuator's own media type (SBA converts a plain application/json answer as if it
    // came from a Spring Boot 1 actuator).
    private static JsonNode get(String actuatorPath) {
        String body = sba.get()
                .uri("/instances/" + instance + actuatorPath)
                .accept(ACTUATOR_V3)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        return JsonMapper.builder().build().readTree(body);
    }

    // The broker as SBA lists it once SBA has checked its status (UP, or DEGRADED while an upstream fails) and read
    // its endpoints; null until then.
    private static JsonNode registeredAndUp() {
        String body = sba.get()
                .uri("/instances?name=token-broker")
                .accept(MediaType.APPLICATION_JSON)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        for (JsonNode registered : JsonMapper.builder().build().readTree(body)) {
            String status = registered.path("statusInfo").path("status").asString();
            boolean endpointsKnown =
                    registered.path("endpoints").findValuesAsString("id").contains("tokens");
            if (("UP".equals(status) || "DEGRADED".equals(status)) && endpointsKnown) {
                return registered;
            }
        }
        return null;
    }

    /** The Spring Boot Admin server: open to the test (and the broker's registration), on its own event loops. */
    @TestConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    @EnableAdminServer
    static class AdminServer {

        @Bean
        SecurityWebFilterChain openAdminServer(ServerHttpSecurity http) {
            return http.csrf(ServerHttpSecurity.CsrfSpec::disable)
                    .authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
                    .build();
        }

        @Bean
        ReactorResourceFactory reactorResourceFactory() {
            ReactorResourceFactory factory = new ReactorResourceFactory();
            factory.setUseGlobalResources(false);
            return factory;
        }
    }
}
