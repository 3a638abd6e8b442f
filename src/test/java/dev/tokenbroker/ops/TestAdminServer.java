package dev.tokenbroker.ops;

import static dev.tokenbroker.testing.TestBroker.OPS_KEY;

import de.codecentric.boot.admin.server.config.AdminServerProperties;
import de.codecentric.boot.admin.server.config.EnableAdminServer;
import de.codecentric.boot.admin.server.domain.entities.Instance;
import de.codecentric.boot.admin.server.domain.entities.InstanceRepository;
import de.codecentric.boot.admin.server.domain.values.InstanceId;
import de.codecentric.boot.admin.server.services.ApiMediaTypeHandler;
import de.codecentric.boot.admin.server.services.HealthGroupsCache;
import de.codecentric.boot.admin.server.services.InfoUpdater;
import de.codecentric.boot.admin.server.services.StatusUpdater;
import de.codecentric.boot.admin.server.web.client.InstanceWebClient;
import dev.tokenbroker.testing.SeparateBroker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import reactor.core.publisher.Mono;

/**
 * A Spring Boot Admin server (de.codecentric 4.1) set up as docs/operations.md tells an ops team to set theirs up
 * ({@code status-change-detection-strategy=full}), and brokers that register with it by configuration alone. Shared by
 * {@link SpringBootAdminIntegrationTests} and {@link DashboardDemo} (the browser check's SBA).
 *
 * <p>Its status and info checks run every few seconds rather than SBA's 10 s and 1 min, so that minutes of SBA's
 * polling happen in seconds; {@link Polls} counts the reads SBA made of each instance's health and info.
 */
final class TestAdminServer {

    /** The status check interval; SBA's timeout for a health read is this less a second. */
    static final String STATUS_INTERVAL = "5s";

    private TestAdminServer() {}

    /** Starts it on a random loopback port; {@code properties} ({@code name=value}) are added to the defaults. */
    static ConfigurableApplicationContext start(String... properties) {
        List<String> all = new ArrayList<>(List.of(
                "server.port=0",
                "server.address=127.0.0.1",
                "spring.main.web-application-type=reactive",
                "spring.jmx.enabled=false",
                "spring.thymeleaf.check-template-location=false",
                "spring.boot.admin.monitor.status-change-detection-strategy=full",
                "spring.boot.admin.monitor.status-interval=" + STATUS_INTERVAL,
                "spring.boot.admin.monitor.status-lifetime=4s",
                "spring.boot.admin.monitor.info-interval=500ms",
                "spring.boot.admin.monitor.info-lifetime=400ms"));
        all.addAll(List.of(properties));
        return new SpringApplicationBuilder(AdminServer.class)
                .properties(all.toArray(String[]::new))
                // Not the broker's application.yaml, which is on this class path too.
                .run("--spring.config.name=spring-boot-admin-test");
    }

    /** Its base URL. */
    static String url(ConfigurableApplicationContext admin) {
        return "http://127.0.0.1:" + admin.getEnvironment().getProperty("local.server.port");
    }

    /**
     * A broker of the test world ({@link SeparateBroker}) that registers with this SBA as {@code name}, with the
     * {@code ops} client id and key as SBA's Basic credentials (instance metadata), plus {@code arguments}.
     */
    static ConfigurableApplicationContext broker(String adminUrl, String name, List<String> arguments) {
        List<String> all = new ArrayList<>(List.of(
                "--server.address=127.0.0.1",
                "--management.server.address=127.0.0.1",
                "--spring.boot.admin.client.url=" + adminUrl,
                "--spring.boot.admin.client.instance.name=" + name,
                "--spring.boot.admin.client.instance.service-host-type=IP",
                "--spring.boot.admin.client.instance.metadata.user.name=ops",
                "--spring.boot.admin.client.instance.metadata.user.password=" + OPS_KEY));
        all.addAll(arguments);
        return SeparateBroker.start(all);
    }

    /** How many times SBA read each instance's health and info (completed reads, whatever the answer). */
    static final class Polls {

        private final Map<InstanceId, AtomicInteger> status = new ConcurrentHashMap<>();
        private final Map<InstanceId, AtomicInteger> info = new ConcurrentHashMap<>();

        int status(String instance) {
            return status.getOrDefault(InstanceId.of(instance), new AtomicInteger())
                    .get();
        }

        int info(String instance) {
            return info.getOrDefault(InstanceId.of(instance), new AtomicInteger())
                    .get();
        }

        private Mono<Instance> counted(Map<InstanceId, AtomicInteger> counts, Instance instance, Mono<Instance> read) {
            return read.doOnNext(done -> counts.computeIfAbsent(instance.getId(), id -> new AtomicInteger())
                    .incrementAndGet());
        }
    }

    /** The server: open to the tests and the browser (and the brokers' registration), on its own event loops. */
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

        @Bean
        Polls polls() {
            return new Polls();
        }

        // SBA's own updaters (its auto-configuration backs off), counting what they read.
        @Bean
        InfoUpdater infoUpdater(InstanceRepository instances, InstanceWebClient.Builder clients, Polls polls) {
            return new InfoUpdater(instances, clients.build(), new ApiMediaTypeHandler()) {
                @Override
                protected Mono<Instance> doUpdateInfo(Instance instance) {
                    return polls.counted(polls.info, instance, super.doUpdateInfo(instance));
                }
            };
        }

        @Bean
        StatusUpdater statusUpdater(
                InstanceRepository instances,
                InstanceWebClient.Builder clients,
                HealthGroupsCache healthGroups,
                AdminServerProperties properties,
                Polls polls) {
            AdminServerProperties.MonitorProperties monitor = properties.getMonitor();
            StatusUpdater updater =
                    new StatusUpdater(
                            instances,
                            clients.build(),
                            new ApiMediaTypeHandler(),
                            monitor.getStatusChangeDetectionStrategy().asPredicate(),
                            healthGroups) {
                        @Override
                        protected Mono<Instance> doUpdateStatus(Instance instance) {
                            return polls.counted(polls.status, instance, super.doUpdateStatus(instance));
                        }
                    };
            return updater.timeout(
                    monitor.getDefaultTimeout().compareTo(monitor.getStatusInterval()) > 0
                            ? monitor.getStatusInterval()
                            : monitor.getDefaultTimeout());
        }
    }
}
