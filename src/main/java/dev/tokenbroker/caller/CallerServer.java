package dev.tokenbroker.caller;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.web.server.ServerWebExchange;

/**
 * Which server an exchange came in on. The management server (Actuator, its own port) is built from a child context
 * that sees the application's web filters and security chains too; the caller API is served on the application's own
 * server only, so every extension point of the caller API that such a filter or chain could reach on the management
 * port asks this first. Cheap: no path or header is read.
 */
public final class CallerServer {

    /** The namespace Spring Boot gives the management server's context. */
    private static final String MANAGEMENT = "management";

    private CallerServer() {}

    /** Whether the exchange came in on the caller API's server rather than the management server. */
    public static boolean serves(ServerWebExchange exchange) {
        ApplicationContext context = exchange.getApplicationContext();
        return context == null || !WebServerApplicationContext.hasServerNamespace(context, MANAGEMENT);
    }
}
