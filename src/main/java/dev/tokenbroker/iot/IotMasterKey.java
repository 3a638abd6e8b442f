package dev.tokenbroker.iot;

import dev.tokenbroker.support.Secret;

/**
 * An organisation's operator key (role {@code PD_OPERATOR_APP}): the API key and its token, used as HTTP Basic
 * credentials. Both are {@link Secret}s, so this prints nothing of them.
 *
 * @param apikey the {@code a-{org}-…} key
 * @param token its auth token
 */
public record IotMasterKey(Secret apikey, Secret token) {}
