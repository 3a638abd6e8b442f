package dev.tokenbroker.edge;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Hooks;

/**
 * Reactor's hook for errors that arrive after their subscriber is gone. Reactor Netty hands it the read or request
 * timeout (or the abort) of a request body once more when it disposes the exchange, after the exchange has already
 * seen and answered it; by default Reactor logs that at ERROR with a stack trace, so a slow client could write ERROR
 * lines at will. Such connection failures are logged at DEBUG here, by type; every other dropped error still at
 * ERROR with its stack trace, as Reactor does. Installed once per JVM (the hook is global).
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
        if (Wire.isConnectionFailure(error)) {
            log.debug(
                    "Dropped a connection failure after its exchange ended: {}",
                    error.getClass().getSimpleName());
        } else {
            log.error("Operator called default onErrorDropped", error);
        }
    }
}
