package dev.tokenbroker.edge;

import dev.tokenbroker.support.CheckedProperties;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits of the broker's HTTP servers ({@code tokenbroker.server.*}), applied alike to the caller API (8080) and the
 * actuator (8081), so that a slow or idle client cannot hold connections. Each server counts its own connections.
 * Header size limits are Boot's ({@code server.max-http-request-header-size}, {@code server.netty.*}); a
 * {@code server.netty.idle-timeout}, if set, overrides {@code idleTimeout} here.
 *
 * @param idleTimeout a connection on which nothing is read for this long while no request is in progress (before
 *     the first request or between keep-alive requests) is closed
 * @param headerTimeout the request line and headers must be complete within this long of their first byte, however
 *     slowly they trickle in (a slowloris client), or the connection is closed
 * @param readTimeout once the headers are in, a request body that stalls for this long between two reads is given
 *     up and the connection closed
 * @param requestTimeout once the headers are in, the whole request body must have arrived within this long, or the
 *     connection is closed (the time the broker then takes to answer does not count)
 * @param maxConnectionsPerAddress open connections one client address may hold on one server; a connection beyond
 *     them is closed as soon as it is accepted. Loopback is not exempt. Behind a proxy every caller shares the
 *     proxy's address: raise it there
 */
@ConfigurationProperties("tokenbroker.server")
public record EdgeProperties(
        @DefaultValue("60s") Duration idleTimeout,
        @DefaultValue("10s") Duration headerTimeout,
        @DefaultValue("10s") Duration readTimeout,
        @DefaultValue("30s") Duration requestTimeout,
        @DefaultValue("256") int maxConnectionsPerAddress)
        implements CheckedProperties {

    @Override
    public void check(Checks checks) {
        checks.positive("idleTimeout", idleTimeout)
                .positive("headerTimeout", headerTimeout)
                .positive("readTimeout", readTimeout)
                .positive("requestTimeout", requestTimeout)
                .positive("maxConnectionsPerAddress", maxConnectionsPerAddress);
    }
}
