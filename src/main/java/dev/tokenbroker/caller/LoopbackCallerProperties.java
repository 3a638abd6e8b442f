package dev.tokenbroker.caller;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Sidecar mode's loopback caller ({@code tokenbroker.sidecar.*}).
 *
 * @param loopbackCaller when set, requests from 127.0.0.1 or ::1 that carry {@code X-Token-Broker-Request: true} and
 *     no {@code Authorization} header are this caller; unset (the default) turns loopback callers off
 */
@ConfigurationProperties("tokenbroker.sidecar")
public record LoopbackCallerProperties(String loopbackCaller) {

    /** Whether loopback callers are on. */
    public boolean enabled() {
        return loopbackCaller != null && !loopbackCaller.isBlank();
    }
}
