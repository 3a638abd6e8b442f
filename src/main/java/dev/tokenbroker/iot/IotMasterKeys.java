package dev.tokenbroker.iot;

import reactor.core.publisher.Mono;

/**
 * The operator key to manage an {@code iot-app} credential's keys with: the master-key version in service (during a
 * rotation, the last one proven to work, not merely the newest in the vault).
 */
@FunctionalInterface
public interface IotMasterKeys {

    /**
     * @return the operator key of the credential, or a {@link dev.tokenbroker.problem.SecretNotFoundException} /
     *     {@link dev.tokenbroker.problem.UpstreamException} when it cannot be read
     */
    Mono<IotMasterKey> of(String credential);
}
