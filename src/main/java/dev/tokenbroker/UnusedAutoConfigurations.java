package dev.tokenbroker;

import java.util.List;
import java.util.function.Predicate;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurationImportFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.Ordered;
import org.springframework.core.PriorityOrdered;
import org.springframework.core.env.Environment;

/**
 * Leaves out the auto-configurations that the broker's jar carries for a feature that its configuration does not turn
 * on, so that their classes are never loaded: the sidecar and a Deployment without those features start faster and
 * hold less class metadata (docs/benchmarks.md#footprint). Each rule is conditional on the property that turns the
 * feature on, not on the class path, which always holds them:
 *
 * <ul>
 *   <li>Spring Data Redis and Lettuce, and what Spring Data brings along (its web support, repository metrics,
 *       persistence exception translation, transactions): only with {@code tokenbroker.shared.enabled=true}
 *       (DESIGN §11), the one user of Redis;
 *   <li>the Spring Boot Admin client, and the blocking HTTP clients it is the only user of ({@code RestClient},
 *       {@code RestTemplate}, HTTP service clients): only when {@code spring.boot.admin.client.url} is set, as SBA's
 *       own condition asks, but decided before its classes load;
 *   <li>Spring's task executor and scheduler, their metrics and the scheduled-tasks endpoint: the broker schedules on
 *       Reactor's schedulers and runs no {@code @Scheduled} or {@code @Async} method; kept with the SBA client, whose
 *       registration runs on a scheduler.
 * </ul>
 *
 * <p>An {@link AutoConfigurationImportFilter} (registered in {@code META-INF/spring.factories}) sees only class names,
 * before any auto-configuration class is read, and runs before Boot's own filters (whose class conditions would load a
 * class of each candidate to check it is there). It applies to the broker's application context only: another Spring
 * Boot application in the same JVM (the tests' Spring Boot Admin server) keeps every auto-configuration.
 * {@code deploy.SidecarClassesIntegrationTests} counts what the sidecar loads with and without these features.
 */
public final class UnusedAutoConfigurations
        implements AutoConfigurationImportFilter, EnvironmentAware, BeanFactoryAware, PriorityOrdered {

    private static final List<String> REDIS = List.of(
            "org.springframework.boot.data.redis.autoconfigure.",
            "org.springframework.boot.data.autoconfigure.",
            "org.springframework.boot.persistence.autoconfigure.",
            "org.springframework.boot.transaction.");

    private static final List<String> ADMIN_CLIENT =
            List.of("de.codecentric.boot.admin.client.", "org.springframework.boot.restclient.autoconfigure.");

    private static final List<String> SPRING_TASKS = List.of(
            "org.springframework.boot.autoconfigure.task.",
            "org.springframework.boot.micrometer.metrics.autoconfigure.task.",
            "org.springframework.boot.micrometer.observation.autoconfigure.ScheduledTasksObservationAutoConfiguration",
            "org.springframework.boot.actuate.autoconfigure.scheduling.");

    private Environment environment;

    private ConfigurableListableBeanFactory beanFactory;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
        this.beanFactory = beanFactory instanceof ConfigurableListableBeanFactory listable ? listable : null;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public boolean[] match(String[] autoConfigurationClasses, AutoConfigurationMetadata metadata) {
        boolean[] matches = new boolean[autoConfigurationClasses.length];
        Predicate<String> unused = isBroker() ? unused() : name -> false;
        for (int i = 0; i < autoConfigurationClasses.length; i++) {
            String name = autoConfigurationClasses[i];
            matches[i] = name == null || !unused.test(name);
        }
        return matches;
    }

    private Predicate<String> unused() {
        boolean shared = environment.getProperty("tokenbroker.shared.enabled", Boolean.class, false);
        boolean adminClient =
                !environment.getProperty("spring.boot.admin.client.url", "").isBlank();
        return name -> (!shared && startsWithAny(name, REDIS))
                || (!adminClient && (startsWithAny(name, ADMIN_CLIENT) || startsWithAny(name, SPRING_TASKS)));
    }

    /** Whether this context is the broker's: the application class is one of its bean definitions. */
    private boolean isBroker() {
        if (environment == null || beanFactory == null) {
            return false;
        }
        for (String name : beanFactory.getBeanDefinitionNames()) {
            if (TokenBrokerApplication.class
                    .getName()
                    .equals(beanFactory.getBeanDefinition(name).getBeanClassName())) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWithAny(String name, List<String> prefixes) {
        for (String prefix : prefixes) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
