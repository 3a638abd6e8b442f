package dev.tokenbroker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The configuration processor's metadata (what IDEs complete {@code application.yaml} from) lists the broker's
 * properties, each with its description from the properties records' Javadoc.
 */
class ConfigurationMetadataTests {

    @Test
    void metadataWhenBuiltThenEveryTokenbrokerPropertyIsListedWithADescription() throws IOException {
        JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in)
                    .as("spring-configuration-metadata.json on the class path")
                    .isNotNull();
            metadata = JsonMapper.builder().build().readTree(in);
        }
        List<String> names = new ArrayList<>();
        List<String> undocumented = new ArrayList<>();
        for (JsonNode property : metadata.path("properties")) {
            String name = property.path("name").asString();
            if (name.startsWith("tokenbroker.")) {
                names.add(name);
                if (property.path("description").asString().isBlank()) {
                    undocumented.add(name);
                }
            }
        }

        assertThat(names)
                .contains(
                        "tokenbroker.credentials",
                        "tokenbroker.policy",
                        "tokenbroker.sinks",
                        "tokenbroker.ops.callers",
                        "tokenbroker.cache.refresh-at",
                        "tokenbroker.callers.client-keys",
                        "tokenbroker.iam.http.max-retries",
                        "tokenbroker.iot.http.response-timeout",
                        "tokenbroker.vault.file.directory");
        assertThat(undocumented).isEmpty();
    }
}
