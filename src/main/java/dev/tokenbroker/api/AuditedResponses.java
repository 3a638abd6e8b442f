package dev.tokenbroker.api;

import dev.tokenbroker.audit.AuditLog;
import dev.tokenbroker.edge.Wire;
import dev.tokenbroker.problem.ProblemType;
import dev.tokenbroker.support.LogSafe;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * Answers each request once and audits it as what its client got. Handlers and the problem renderer only note a
 * verdict (issued with a fingerprint, or refused with a reason); the audit line is written once. An issuance's line is
 * written as the answer is committed and before any of its bytes are sent: the commit waits for the audit log to
 * have written it ({@link AuditLog#issued(String, String, String, String, int, String, java.util.concurrent.Executor)}),
 * and if it cannot be written the answer becomes a 503 problem and nothing is issued. A refusal's line is queued as
 * the answer is committed, or, for an exchange Spring never answered, when it is over, with the status read from the
 * connection ({@link Wire}): a request that Reactor Netty already answered by itself (an undecodable body gets its
 * 400) is audited with that status and is not answered again, and a request whose client hung up or timed out is
 * audited as {@code aborted}, with no status. Such failures are logged once at DEBUG without a stack trace: they are
 * the client's doing, and an unauthenticated client could otherwise fill the log. Every other failure is rendered by
 * {@link ProblemResponses}. Only the caller API's requests on the caller port are audited.
 */
@Component
final class AuditedResponses {

    private static final Logger log = LoggerFactory.getLogger(AuditedResponses.class);
    private static final String VERDICT = AuditedResponses.class.getName() + ".verdict";
    private static final String ABANDONED = AuditedResponses.class.getName() + ".abandoned";

    private final AuditLog audit;
    private final ProblemResponses problems;

    AuditedResponses(AuditLog audit, ProblemResponses problems) {
        this.audit = audit;
        this.problems = problems;
    }

    /** This step of {@link ApiEdge}: as a {@link WebFilter} would, with {@code chain} the steps after it. */
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        Wire.begin(exchange);
        if (!ProblemResponses.isCallerApi(exchange)) {
            return chain.filter(exchange).onErrorResume(failure -> answer(exchange, failure));
        }
        AtomicBoolean audited = new AtomicBoolean();
        // Before the answer's bytes can reach the client; a given-up exchange (committed empty by Spring after this
        // filter) is audited as aborted below.
        exchange.getResponse()
                .beforeCommit(
                        () -> exchange.getAttribute(ABANDONED) == null ? committing(exchange, audited) : Mono.empty());
        return chain.filter(exchange)
                .onErrorResume(failure -> answer(exchange, failure))
                .doFinally(signal -> auditOnce(exchange, audited, status(exchange, signal)));
    }

    /** Notes that a credential was issued to this exchange, by its fingerprint. */
    static void issued(ServerWebExchange exchange, String fingerprint) {
        exchange.getAttributes().put(VERDICT, new Verdict(true, 200, null, fingerprint));
    }

    /** Notes that this exchange was refused, with the status it is being answered with and the audit reason. */
    static void refused(ServerWebExchange exchange, int status, String reason) {
        exchange.getAttributes().put(VERDICT, new Verdict(false, status, reason, null));
    }

    /**
     * Whether a failure can still be answered: not when the client is gone, a timeout gave up on it, or something
     * (Reactor Netty) answered already. Handlers that answer failures themselves check this first.
     */
    static boolean answerable(ServerWebExchange exchange, Throwable failure) {
        return Wire.sentStatus(exchange).isEmpty() && Wire.open(exchange) && !Wire.isConnectionFailure(failure);
    }

    private Mono<Void> answer(ServerWebExchange exchange, Throwable failure) {
        if (answerable(exchange, failure) || timedOutButStillOpen(exchange, failure)) {
            return problems.handle(exchange, failure);
        }
        if (Wire.sentStatus(exchange).isEmpty()) {
            exchange.getAttributes().put(ABANDONED, Boolean.TRUE);
            Wire.abandon(exchange);
        }
        if (log.isDebugEnabled()) {
            OptionalInt sent = Wire.sentStatus(exchange);
            log.debug(
                    "{} {} {}; not answering its {}",
                    exchange.getRequest().getMethod(),
                    LogSafe.text(exchange.getRequest().getPath().value()),
                    sent.isPresent() ? "was already answered " + sent.getAsInt() : "lost its connection",
                    failure.getClass().getSimpleName());
        }
        return Mono.empty();
    }

    // A read or request timeout closes the connection right after it fails the body: a 408 written now still reaches
    // the client, and without one Reactor Netty would answer the completed exchange with an empty 200.
    private static boolean timedOutButStillOpen(ServerWebExchange exchange, Throwable failure) {
        return Wire.isTimeout(failure) && Wire.sentStatus(exchange).isEmpty() && Wire.open(exchange);
    }

    // The answer is being committed with this status: its line is written first. An issuance whose line cannot be
    // written fails the answer (a 503 then, audited as refused) and nothing is sent; a refusal is answered anyway.
    private Mono<Void> committing(ServerWebExchange exchange, AtomicBoolean audited) {
        if (!audited.compareAndSet(false, true)) {
            return Mono.empty();
        }
        Integer status = committing(exchange);
        Verdict verdict = exchange.getAttribute(VERDICT);
        AuditContext context = AuditContext.of(exchange);
        if (verdict != null && verdict.issued() && status >= 200 && status < 300) {
            return audit.issued(
                            RequestIds.of(exchange),
                            context.caller(),
                            context.credential(),
                            context.grant(),
                            status,
                            verdict.fingerprint(),
                            Wire.eventLoop(exchange))
                    .doOnError(unwritten -> {
                        refused(exchange, 503, ProblemType.AUDIT_UNAVAILABLE.slug());
                        audited.set(false);
                    });
        }
        String reason = refusalReason(verdict, status);
        return reason == null
                ? Mono.empty()
                : audit.refused(
                        RequestIds.of(exchange),
                        context.caller(),
                        context.credential(),
                        context.grant(),
                        status,
                        reason,
                        Wire.eventLoop(exchange));
    }

    // Once the exchange is over, for one that was never committed here: the line of what its client got.
    private void auditOnce(ServerWebExchange exchange, AtomicBoolean audited, Integer status) {
        if (!audited.compareAndSet(false, true)) {
            return;
        }
        Verdict verdict = exchange.getAttribute(VERDICT);
        AuditContext context = AuditContext.of(exchange);
        String requestId = RequestIds.of(exchange);
        if (status == null) {
            audit.aborted(requestId, context.caller(), context.credential(), context.grant(), "connection-closed");
            return;
        }
        String reason = refusalReason(verdict, status);
        if (reason != null) {
            audit.refused(requestId, context.caller(), context.credential(), context.grant(), status, reason);
        }
    }

    // The reason of a refusal answered with this status: the verdict's when it was noted for that status, else the
    // status itself; null when the answer is no refusal.
    private static String refusalReason(Verdict verdict, int status) {
        if (verdict != null && !verdict.issued() && verdict.status() == status) {
            return verdict.reason();
        }
        return verdict != null || status >= 400 ? "http-" + status : null;
    }

    // What the client got: the status line on the connection; nothing if this filter gave the exchange up; else the
    // status Spring has committed (handed to Reactor Netty, which writes it from its own thread, and completing the
    // write cancels this exchange) or, on an open connection, is about to commit; else none.
    private static Integer status(ServerWebExchange exchange, SignalType signal) {
        OptionalInt sent = Wire.sentStatus(exchange);
        if (sent.isPresent()) {
            return sent.getAsInt();
        }
        if (exchange.getAttribute(ABANDONED) != null) {
            return null;
        }
        boolean committed = exchange.getResponse().isCommitted();
        if (!committed && (signal == SignalType.CANCEL || !Wire.open(exchange))) {
            return null;
        }
        if (!committed && signal == SignalType.ON_ERROR) {
            return 500;
        }
        HttpStatusCode code = exchange.getResponse().getStatusCode();
        return code == null ? 200 : code.value();
    }

    // The status Spring is committing, unless Reactor Netty has already answered by itself (its 400 for a body that
    // failed to decode while the handler ran): then that one, and Spring's commit will fail.
    private static Integer committing(ServerWebExchange exchange) {
        OptionalInt sent = Wire.sentStatus(exchange);
        if (sent.isPresent()) {
            return sent.getAsInt();
        }
        HttpStatusCode code = exchange.getResponse().getStatusCode();
        return code == null ? 200 : code.value();
    }

    private record Verdict(boolean issued, int status, String reason, String fingerprint) {}
}
