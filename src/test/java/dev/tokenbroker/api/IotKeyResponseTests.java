package dev.tokenbroker.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.iot.IotAppKey;
import dev.tokenbroker.support.Secret;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class IotKeyResponseTests {

    private static final String TOKEN = "IOTKEYCANARYunit$!";

    @Test
    void toStringWhenHoldingATokenThenPrintsNone() {
        IotAppKey key = new IotAppKey(
                "factory-iot",
                "abc123",
                "a-abc123-unitkey001",
                Secret.of(TOKEN),
                List.of("PD_STANDARD_APP"),
                Instant.parse("2026-11-23T12:00:00Z"),
                Instant.parse("2026-11-23T13:00:00Z"));

        IotKeyResponse response = new IotKeyResponse(key, "abc123.messaging.internetofthings.ibmcloud.com", 8883);

        assertThat(response.authToken()).isEqualTo(TOKEN);
        assertThat(response.mqtt().password()).isEqualTo(TOKEN);
        assertThat(key.toString()).doesNotContain(TOKEN).doesNotContain("a-abc123-unitkey001");
        assertThat(response.toString()).doesNotContain(TOKEN).contains("redacted");
        assertThat(response.mqtt().toString()).doesNotContain(TOKEN).contains("redacted");
    }
}
