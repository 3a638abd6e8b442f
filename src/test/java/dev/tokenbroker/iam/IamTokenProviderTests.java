package dev.tokenbroker.iam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.credential.TrustedProfile;
import dev.tokenbroker.problem.UpstreamRejectedException;
import dev.tokenbroker.problem.UpstreamUnavailableException;
import dev.tokenbroker.sim.IamSimulator;
import dev.tokenbroker.support.Secret;
import dev.tokenbroker.support.UpstreamSettings;
import dev.tokenbroker.testing.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.test.StepVerifier;

/** The IAM client alone against the simulator, with tight timeouts. */
class IamTokenProviderTests {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T12:00:00Z"));
    private final IamSimulator iam = IamSimulator.start(clock);
    private final UpstreamSettings fast = new UpstreamSettings(
            Duration.ofSeconds(2),
            Duration.ofMillis(300),
            2,
            Duration.ofMillis(10),
            Duration.ofMillis(50),
            Duration.ofSeconds(10));
    private final IamTokenProvider provider =
            new IamTokenProvider(WebClient.builder(), new IamProperties(URI.create(iam.url()), fast, 0), clock);

    @AfterEach
    void stop() {
        iam.release();
        iam.close();
    }

    @Test
    void mintWhenIamDoesNotAnswerInTimeThenRetriesThenUnavailable() {
        iam.addKey("k1");
        iam.hold();

        StepVerifier.create(provider.mint(Secret.of("k1")))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(UpstreamUnavailableException.class)
                        .hasMessage("iam is unreachable"))
                .verify(Duration.ofSeconds(10));
        assertThat(iam.tokenCalls()).isEqualTo(3);
    }

    @Test
    void mintWhenExpirationGivenThenTrustedOverExpiresIn() {
        long expiration = clock.instant().getEpochSecond() + 900;
        iam.enqueue(
                200,
                Map.of("Content-Type", "application/json"),
                "{\"access_token\":\"t\",\"token_type\":\"Bearer\",\"expires_in\":3600,\"expiration\":" + expiration
                        + ",\"scope\":\"ibm openid\",\"refresh_token\":\"r\",\"ims_user_id\":1}");

        StepVerifier.create(provider.mint(Secret.of("k1")))
                .assertNext(token -> {
                    assertThat(token.expiresAt().getEpochSecond()).isEqualTo(expiration);
                    assertThat(token.lifetime()).isEqualTo(Duration.ofSeconds(900));
                })
                .verifyComplete();
    }

    @Test
    void mintForProfileWhenProfileNamedByCrnThenTheCrTokenGrantCarriesTheTokenAndTheCrnOnly() {
        iam.addProfile("Profile-1", "reader", "crn:v1:bluemix:public:iam-identity::a/acc::profile:Profile-1", "acc");
        iam.addCrToken("eyJ.cr.token", "ns/sa");
        iam.linkProfile("Profile-1", "ns/sa");

        StepVerifier.create(provider.mintForProfile(
                        Secret.of("eyJ.cr.token"),
                        new TrustedProfile(
                                null, null, "crn:v1:bluemix:public:iam-identity::a/acc::profile:Profile-1", null)))
                .assertNext(token -> assertThat(
                                iam.profileThatMinted(token.accessToken().reveal()))
                        .isEqualTo("Profile-1"))
                .verifyComplete();
        assertThat(iam.requests())
                .singleElement()
                .satisfies(request -> assertThat(request.form())
                        .isEqualTo(Map.of(
                                "grant_type", IamTokenProvider.CR_TOKEN_GRANT,
                                "cr_token", "eyJ.cr.token",
                                "profile_crn", "crn:v1:bluemix:public:iam-identity::a/acc::profile:Profile-1")));
    }

    @Test
    void assumeWhenProfileDoesNotTrustTheIdentityThenPermanentRejectionWithIamsCodeAndNoRetry() {
        iam.addKey("k1");
        iam.addProfile("Profile-2", "batch", "crn:profile:2", "acc");
        IamToken master = provider.mint(Secret.of("k1")).block(Duration.ofSeconds(5));

        StepVerifier.create(provider.assume(master.accessToken(), new TrustedProfile(null, "batch", null, "acc")))
                .expectErrorSatisfies(error -> {
                    UpstreamRejectedException rejected = (UpstreamRejectedException) error;
                    assertThat(rejected.permanent()).isTrue();
                    assertThat(rejected.upstreamErrorCode()).hasValue(IamSimulator.NOT_TRUSTED);
                    assertThat(rejected)
                            .hasMessage("iam refused to let the master key assume the trusted profile: HTTP 400 "
                                    + IamSimulator.NOT_TRUSTED);
                })
                .verify(Duration.ofSeconds(5));
        assertThat(iam.requests()).hasSize(2);
        assertThat(iam.requests().get(1).form())
                .containsEntry("profile_name", "batch")
                .containsEntry("account", "acc")
                .doesNotContainKeys("profile_id", "profile_crn");
    }

    @Test
    void mintWhenForbiddenThenPermanentRejectionWithCodeAndNoRetry() {
        iam.enqueueError(403, "BXNIM0513E", "You are not authorized");

        StepVerifier.create(provider.mint(Secret.of("k1")))
                .expectErrorSatisfies(error -> {
                    UpstreamRejectedException rejected = (UpstreamRejectedException) error;
                    assertThat(rejected.permanent()).isTrue();
                    assertThat(rejected.upstreamErrorCode()).hasValue("BXNIM0513E");
                })
                .verify(Duration.ofSeconds(5));
        assertThat(iam.tokenCalls()).isEqualTo(1);
    }
}
