package dev.tokenbroker.testing;

import dev.tokenbroker.TokenBrokerApplication;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * A second broker, for the few tests that need configuration the shared context cannot have (another vault type,
 * sidecar mode off): the same test world ({@link TestBroker}'s simulators, callers and fake clock) on random ports,
 * plus the given arguments. Close it when done.
 */
public final class SeparateBroker {

    private SeparateBroker() {}

    /** Starts it; {@code arguments} ({@code --name=value}) override the test world's properties. */
    public static ConfigurableApplicationContext start(List<String> arguments) {
        return start("it", arguments);
    }

    /**
     * Starts it with another configuration than the shared context's ({@code application-{profile}.yaml} instead of
     * {@code application-it.yaml}), in the same test world.
     */
    public static ConfigurableApplicationContext start(String profile, List<String> arguments) {
        // One value a name: Spring joins repeated command-line options with commas instead of letting the last win.
        Map<String, String> properties = new LinkedHashMap<>(TestBroker.properties());
        properties.put("server.port", "0");
        properties.put("management.server.port", "0");
        for (String argument : arguments) {
            int equals = argument.indexOf('=');
            properties.put(argument.substring(2, equals), argument.substring(equals + 1));
        }
        List<String> all = new ArrayList<>();
        properties.forEach((name, value) -> all.add("--" + name + "=" + value));
        return new SpringApplicationBuilder(TokenBrokerApplication.class, OwnResources.class)
                .profiles(profile)
                .run(all.toArray(String[]::new));
    }

    /** The port of its caller API. */
    public static int port(ConfigurableApplicationContext broker) {
        return Integer.parseInt(broker.getEnvironment().getProperty("local.server.port"));
    }

    /** The port of its actuator. */
    public static int managementPort(ConfigurableApplicationContext broker) {
        return Integer.parseInt(broker.getEnvironment().getProperty("local.management.port"));
    }

    // @TestConfiguration: kept out of the shared context's component scan.
    @TestConfiguration(proxyBeanMethods = false)
    static class OwnResources {

        @Bean
        @Primary
        Clock separateBrokerClock() {
            return TestBroker.CLOCK;
        }

        /**
         * Own event loops: Boot's default factory disposes Reactor Netty's global resources when this context closes,
         * which the shared test context and the simulators run on.
         */
        @Bean
        ReactorResourceFactory reactorResourceFactory() {
            ReactorResourceFactory factory = new ReactorResourceFactory();
            factory.setUseGlobalResources(false);
            return factory;
        }
    }
}
