package dev.tokenbroker.edge;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * The same {@link EdgeProperties} limits for the actuator's own server (management port). Boot makes that server in a
 * child context, from a bare factory of the parent's type that is then customized by the child's
 * {@link WebServerFactoryCustomizer}s only (not by the parent's Netty customizers): this is one of them. Registered
 * in {@code META-INF/spring/org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration.imports}.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
class EdgeManagementConfiguration {

    @Bean
    WebServerFactoryCustomizer<NettyReactiveWebServerFactory> managementEdgeLimits(EdgeProperties properties) {
        return factory -> factory.addServerCustomizers(EdgeConfiguration.customizer(properties));
    }
}
