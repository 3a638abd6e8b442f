package dev.tokenbroker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class AuditLineTests {

    private static final JsonMapper JACKSON = JsonMapper.builder().build();

    @Test
    void jsonWhenEveryFieldIsSetThenAsJackson() {
        AuditEvent event = new AuditEvent(
                Instant.parse("2026-12-01T14:28:33.144785110Z"),
                "req-1",
                "client:bench",
                "wml-prod",
                "iam-token",
                "issued",
                200,
                null,
                "20278d66886d5706");

        String line = AuditLine.json(event);

        assertThat(line).isEqualTo(JACKSON.writeValueAsString(event));
    }

    @Test
    void jsonWhenFieldsAreAbsentThenLeftOutAsJacksonDoes() {
        List<AuditEvent> events = List.of(
                new AuditEvent(Instant.EPOCH, null, "anonymous", null, null, "refused", 401, "unauthorized", null),
                new AuditEvent(
                        Instant.parse("2026-12-01T14:28:33Z"), "r", "c", "x", "g", "aborted", null, "gone", null),
                new AuditEvent(null, null, null, null, null, null, null, null, null),
                new AuditEvent(Instant.parse("2026-12-01T14:28:33.100Z"), null, null, null, null, "x", 0, null, "f"),
                new AuditEvent(Instant.parse("2026-12-01T14:28:33.123400Z"), "", "", "", "", "", -1, "", ""));

        for (AuditEvent event : events) {
            assertThat(AuditLine.json(event)).isEqualTo(JACKSON.writeValueAsString(event));
        }
    }

    @Test
    void jsonWhenValuesAreHostileThenEscapedAsJacksonDoes() {
        List<String> values = new ArrayList<>();
        StringBuilder everyControl = new StringBuilder();
        for (char c = 0; c < 0x80; c++) {
            everyControl.append(c);
        }
        values.add(everyControl.toString());
        values.add("line\nforged {\"outcome\":\"issued\"}\r\n\u2028\u2029\u007f\u0085é漢字😀");
        values.add("\ud800 lone surrogate \udfff");
        SplittableRandom random = new SplittableRandom(13);
        for (int run = 0; run < 200; run++) {
            StringBuilder value = new StringBuilder();
            for (int index = 0; index < 40; index++) {
                value.append((char) random.nextInt(run % 2 == 0 ? 0x100 : 0x10000));
            }
            values.add(value.toString());
        }

        for (String value : values) {
            AuditEvent event = new AuditEvent(Instant.EPOCH, value, value, value, value, value, 500, value, value);
            assertThat(AuditLine.json(event)).isEqualTo(JACKSON.writeValueAsString(event));
        }
    }
}
