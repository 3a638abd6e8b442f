package dev.tokenbroker.edge;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.netty.NettyPipeline;

/**
 * Applies {@link EdgeProperties} to the caller API's Netty server. The actuator's server is made in a child context
 * that does not see this customizer; {@link EdgeManagementConfiguration} gives it the same one there. Each server
 * gets its own connection counts.
 */
@Configuration(proxyBeanMethods = false)
class EdgeConfiguration {

    static final String LIMITER = "tokenbroker.connectionLimiter";
    static final String HEAD_BYTES = "tokenbroker.headBytes";
    static final String MESSAGES = "tokenbroker.messages";

    @Bean
    NettyServerCustomizer edgeLimits(EdgeProperties properties) {
        return customizer(properties);
    }

    static NettyServerCustomizer customizer(EdgeProperties properties) {
        return server -> {
            ConnectionLimiter limiter = new ConnectionLimiter(properties.maxConnectionsPerAddress());
            return server.idleTimeout(properties.idleTimeout())
                    .readTimeout(properties.readTimeout())
                    .requestTimeout(properties.requestTimeout())
                    .doOnChannelInit((observer, channel, remoteAddress) -> install(channel, limiter, properties));
        };
    }

    private static void install(Channel channel, ConnectionLimiter limiter, EdgeProperties properties) {
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(LIMITER) != null) {
            // Applied twice to one server (a customizer seen from both contexts): once is the limit.
            return;
        }
        pipeline.addFirst(LIMITER, limiter);
        if (pipeline.get(NettyPipeline.HttpCodec) == null) {
            // Not HTTP/1.1 (h2 with prior knowledge): Netty's HTTP/2 codec has its own limits.
            return;
        }
        ExchangeWire wire = ExchangeWire.attach(channel);
        pipeline.addBefore(NettyPipeline.HttpCodec, HEAD_BYTES, new HeadDeadline(wire, properties.headerTimeout()));
        pipeline.addAfter(NettyPipeline.HttpCodec, MESSAGES, new MessageWatch(wire));
    }
}
