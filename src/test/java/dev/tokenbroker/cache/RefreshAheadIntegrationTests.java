package dev.tokenbroker.cache;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RefreshAheadIntegrationTests extends BrokerIntegrationTest {

    @Test
    void iamTokenWhenEightyPercentOfLifePassedThenOneBackgroundRefreshWhileOldTokenIsServed() {
        String first = accessToken(SCORER_KEY, "wml-prod");
        CLOCK.advance(Duration.ofSeconds(2881)); // past 80% of 3600 s, whatever the jitter
        IAM.hold();

        String duringRefresh = accessToken(SCORER_KEY, "wml-prod");
        await().atMost(Duration.ofSeconds(10)).until(() -> IAM.tokenCalls() == 2);
        String stillDuringRefresh = accessToken(SCORER_KEY, "wml-prod");
        int callsWhileHeld = IAM.tokenCalls();
        IAM.release();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !accessToken(SCORER_KEY, "wml-prod").equals(first));
        String afterRefresh = accessToken(SCORER_KEY, "wml-prod");

        assertThat(duringRefresh).isEqualTo(first);
        assertThat(stillDuringRefresh).isEqualTo(first);
        assertThat(callsWhileHeld).isEqualTo(2);
        assertThat(afterRefresh).isNotEqualTo(first);
        assertThat(IAM.tokenCalls()).isEqualTo(2);
    }

    @Test
    void refreshDueWhenNobodyAskedThenSchedulerRefreshesWithoutAnyRequest() {
        String first = accessToken(SCORER_KEY, "wml-prod");
        CLOCK.advance(Duration.ofSeconds(2881));

        await().atMost(Duration.ofSeconds(10)).until(() -> IAM.tokenCalls() == 2);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> issuer.caches().get(0).operations().entries().stream()
                        .anyMatch(entry ->
                                entry.credential().equals("wml-prod") && entry.mints() == 2 && !entry.refreshing()));
        String served = accessToken(SCORER_KEY, "wml-prod");

        assertThat(served).isNotEqualTo(first);
        assertThat(IAM.tokenCalls()).isEqualTo(2);
    }

    @Test
    void refreshDueWhenEntryIdleLongerThanIdleTimeoutThenNotRefreshed() {
        IAM.tokenLifetime(Duration.ofHours(4));
        accessToken(SCORER_KEY, "wml-prod");
        CLOCK.advance(Duration.ofMinutes(200)); // past 80% of 4 h, and idle for more than 2 h

        issuer.caches().get(0).refreshDue();

        assertThat(issuer.caches().get(0).operations().entries())
                .filteredOn(entry -> entry.credential().equals("wml-prod"))
                .singleElement()
                .satisfies(entry -> {
                    assertThat(entry.refreshing()).isFalse();
                    assertThat(entry.mints()).isEqualTo(1);
                });
        assertThat(IAM.tokenCalls()).isEqualTo(1);
    }
}
