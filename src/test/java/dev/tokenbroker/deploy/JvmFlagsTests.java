package dev.tokenbroker.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The JVM flags live in one place, {@code src/main/jvm/*.flags} (java launcher argument files): the image copies them
 * and its {@code ENTRYPOINT} reads {@code deployment.flags}, the AOT cache is trained with the same file, the chart's
 * sidecar command reads {@code sidecar.flags} ({@link HelmChartTests}), and {@code scripts/footprint.sh} and
 * {@code scripts/image-check.sh} start the broker through those same commands. Each file sizes the heap and what is
 * not heap explicitly, and the chart's memory limits leave room above the heap.
 */
class JvmFlagsTests {

    private static final Path FLAGS = Path.of("src/main/jvm");

    private static final Path DOCKERFILE = Path.of("Dockerfile");

    private static final Path VALUES = Path.of("helm/token-broker/values.yaml");

    private static final Pattern SIZE = Pattern.compile("^(-Xmx|-XX:MaxMetaspaceSize=)(\\d+)m$");

    /** The flags of one file, in order, without comments. */
    static List<String> flags(String file) {
        try {
            return Files.readAllLines(FLAGS.resolve(file)).stream()
                    .map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void dockerfileWhenReadThenEntrypointReadsDeploymentFlagsThatTheImageCopies() throws IOException {
        String finalStage = finalStage();

        assertThat(finalStage).contains("FROM eclipse-temurin:25-jre\n");
        assertThat(finalStage).contains("\nCOPY --from=build /workspace/src/main/jvm/ ./jvm/\n");
        assertThat(finalStage).contains("\nRUN bash jvm/aot-training.sh\n");
        assertThat(finalStage)
                .contains("\nENTRYPOINT [\"java\", \"-XX:AOTCache=app.aot\", \"@jvm/deployment.flags\", \"-jar\","
                        + " \"token-broker.jar\"]\n");
    }

    @Test
    void aotTrainingWhenReadThenTrainsWithTheEntrypointsFlagsAndCache() throws IOException {
        String training = Files.readString(FLAGS.resolve("aot-training.sh"));

        assertThat(training).contains("cache=${AOT_CACHE:-app.aot}");
        assertThat(training).contains("java \"-XX:AOTCacheOutput=$cache\" @jvm/deployment.flags \\\n");
        assertThat(training).doesNotContain("-Dspring.context.exit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"deployment.flags", "sidecar.flags"})
    void flagsWhenReadThenHeapAndNonHeapAreSizedExplicitlyOncePerFlag(String file) {
        List<String> flags = flags(file);

        assertThat(flags).allSatisfy(flag -> assertThat(flag).startsWith("-").doesNotContainAnyWhitespaces());
        assertThat(flags)
                .contains(
                        "-XX:+UseSerialGC",
                        "-XX:+UseCompactObjectHeaders",
                        "-XX:+ExitOnOutOfMemoryError",
                        "-Djava.io.tmpdir=/tmp");
        for (String sized : List.of(
                "-Xms",
                "-Xmx",
                "-Xss",
                "-XX:MaxMetaspaceSize=",
                "-XX:ReservedCodeCacheSize=",
                "-XX:MaxDirectMemorySize=",
                "-XX:ActiveProcessorCount=",
                "-Dreactor.netty.ioWorkerCount=")) {
            assertThat(flags)
                    .as("%s in %s", sized, file)
                    .filteredOn(flag -> flag.startsWith(sized))
                    .hasSize(1);
        }
        assertThat(flags).doesNotHaveDuplicates().noneMatch(flag -> flag.contains("RAMPercentage"));
    }

    @Test
    void chartMemoryWhenReadThenRequestsEqualLimitsAndHeapAndMetaspaceFitWithRoomToSpare() throws IOException {
        Map<String, Object> values = new Yaml().load(Files.readString(VALUES));
        Map<String, Object> sidecar = map(values.get("sidecar"));

        assertMemoryFits(map(values.get("resources")), flags("deployment.flags"));
        assertMemoryFits(map(sidecar.get("resources")), flags("sidecar.flags"));
    }

    private static void assertMemoryFits(Map<String, Object> resources, List<String> flags) {
        String limit = (String) map(resources.get("limits")).get("memory");
        assertThat(map(resources.get("requests")).get("memory")).isEqualTo(limit);
        assertThat(limit).matches("\\d+Mi");
        int limitMib = Integer.parseInt(limit.replace("Mi", ""));
        int heapAndMetaspace = 0;
        for (String flag : flags) {
            Matcher size = SIZE.matcher(flag);
            if (size.matches()) {
                heapAndMetaspace += Integer.parseInt(size.group(2));
            }
        }
        // Heap and class metadata at their caps still leave room for code, threads, buffers and the JVM itself.
        assertThat(heapAndMetaspace).as("-Xmx + MaxMetaspaceSize").isLessThan(limitMib * 3 / 4);
    }

    private static String finalStage() throws IOException {
        String dockerfile = Files.readString(DOCKERFILE);
        return dockerfile.substring(dockerfile.lastIndexOf("\nFROM "));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }
}
