package dev.tokenbroker.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * BlockHound takes its allowances as names and never says when one names nothing: after a library upgrade renames a
 * method, the allowance is dead and the blocking call it covered fails tests again, now and then. Every allowance
 * must name a method that exists on the test class path.
 */
class KnownBlockingCallsTests {

    @Test
    void allowedWhenReadThenEveryOneNamesAMethodOfAClassOnTheClassPath() {
        assertThat(KnownBlockingCalls.ALLOWED).allSatisfy(allowed -> {
            Class<?> type = Class.forName(allowed.className(), false, getClass().getClassLoader());
            assertThat(Arrays.stream(type.getDeclaredMethods()).map(Method::getName))
                    .as("methods of %s", allowed.className())
                    .contains(allowed.method());
        });
    }
}
