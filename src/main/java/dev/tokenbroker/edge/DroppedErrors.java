package dev.tokenbroker.edge;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Hooks;

/**
 * Reactor's hook for errors that arrive after their subscriber is gone. Reactor Netty hands it the read or request
 * timeout (or the abort) of a request body once more when it disposes the exchange, after the exchange has already
 * seen and answered it; by default Reactor logs that at ERROR with a stack trace, so a slow client could write ERROR
 * lines at will. Such connection failures are logged at DEBUG here, by type; every other dropped error still at
 * ERROR with its stack trace, as Reactor does. Installed once per JVM (the hook is global).
 *
 * <p>The shared tier gives up on a Redis command after tens of milliseconds and goes on without Redis; the connect or
 * command that then fails (Redis down, Lettuce's own timeout) reaches this hook too, and is logged at DEBUG as well:
 * the tier's health detail and meters already say that Redis is unavailable.
 */
@Component
final class DroppedErrors implements InitializingBean {

    private static final Logger log = LoggerFactory.getLogger(DroppedErrors.class);
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    @Override
    public void afterPropertiesSet() {
        if (INSTALLED.compareAndSet(false, true)) {
            Hooks.onErrorDropped(DroppedErrors::dropped);
        }
    }

    private static void dropped(Throwable error) {
        if (Wire.isConnectionFailure(error) || isRedisFailure(error) || isAnswerNobodyAwaits(error)) {
            log.debug(
                    "Dropped an expected failure after its exchange ended (a lost connection, Redis, an answer nobody awaits): {}",
                    error.getClass().getSimpleName());
        } else {
            log.error("Operator called default onErrorDropped", error);
        }
    }

    // An upstream's answer that came in after its call was cancelled (a mint given up on, a lease loser served by the
    // winner): Spring's ReactorClientHttpResponse refuses the body then, with this message and no type of its own.
    private static boolean isAnswerNobodyAwaits(Throwable error) {
        return error instanceof IllegalStateException
                && error.getMessage() != null
                && error.getMessage()
                        .startsWith("The client response body has been released already due to cancellation");
    }

    private static boolean isRedisFailure(Throwable error) {
        return error instanceof DataAccessResourceFailureException || error instanceof QueryTimeoutException;
    }
}
