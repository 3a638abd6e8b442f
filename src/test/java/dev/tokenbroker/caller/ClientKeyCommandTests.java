package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientKeyCommandTests {

    @Test
    void runWhenIdGivenThenPrintsKeyOnceAndTheHashThatMatchesIt() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int exit = ClientKeyCommand.run(new String[] {"generate-client-key", "batch-job"}, print(out), print(out));

        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        String key = lines.get(1);
        assertThat(exit).isZero();
        assertThat(key).startsWith("tbk_").hasSize(4 + 43);
        assertThat(lines.get(3)).isEqualTo("tokenbroker.callers.client-keys.batch-job=" + ClientKeys.hash(key));
        assertThat(ClientKeys.HASH.matcher(ClientKeys.hash(key)).matches()).isTrue();
    }

    @Test
    void runWhenIdMissingOrInvalidThenUsageAndExitCode2() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int missing = ClientKeyCommand.run(
                new String[] {"generate-client-key"}, print(new ByteArrayOutputStream()), print(err));
        int invalid = ClientKeyCommand.run(
                new String[] {"generate-client-key", "Bad Id"}, print(new ByteArrayOutputStream()), print(err));

        assertThat(missing).isEqualTo(2);
        assertThat(invalid).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage:");
    }

    @Test
    void generateWhenCalledTwiceThenKeysDiffer() {
        assertThat(ClientKeys.generate()).isNotEqualTo(ClientKeys.generate());
    }

    private static PrintStream print(ByteArrayOutputStream sink) {
        return new PrintStream(sink, true, StandardCharsets.UTF_8);
    }
}
