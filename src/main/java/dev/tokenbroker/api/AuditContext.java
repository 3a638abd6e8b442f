package dev.tokenbroker.api;

import org.springframework.web.server.ServerWebExchange;

/**
 * What a request was about, kept on the exchange so that whoever answers it, a handler or the problem renderer,
 * writes the same audit line.
 *
 * @param caller the caller id
 * @param credential the credential asked for, once its name is known to be well-formed
 * @param grant the grant asked for
 */
record AuditContext(String caller, String credential, String grant) {

    private static final String ATTRIBUTE = AuditContext.class.getName();
    private static final AuditContext NONE = new AuditContext("anonymous", null, null);

    static AuditContext of(ServerWebExchange exchange) {
        Object context = exchange.getAttribute(ATTRIBUTE);
        return context instanceof AuditContext known ? known : NONE;
    }

    static void put(ServerWebExchange exchange, AuditContext context) {
        exchange.getAttributes().put(ATTRIBUTE, context);
    }
}
