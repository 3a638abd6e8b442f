package dev.tokenbroker.testing;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static dev.tokenbroker.testing.TestBroker.IOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.sink.FileSinks;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Base of the whole-application tests: one shared application context on a random port, driven over real HTTP on
 * loopback, with the fake clock and the IAM and WIoTP simulators of {@link TestBroker}. Each test starts with an empty
 * cache and fresh simulators, and ends by checking that no WIoTP key the broker minted is left past its ttl.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("it")
@Import(BrokerIntegrationTest.FakeClock.class)
public abstract class BrokerIntegrationTest {

    /** A JSON object body. */
    protected static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {};

    @LocalServerPort
    protected int port;

    @Autowired
    protected CredentialIssuer issuer;

    @Autowired
    protected CredentialRegistry registry;

    @Autowired
    protected FileSinks sinks;

    protected WebTestClient client;

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry properties) {
        TestBroker.register(properties);
    }

    @BeforeEach
    void freshBroker() {
        // The sinks' first mint runs in the background after start-up: let it land before the request counts reset.
        await().atMost(Duration.ofSeconds(30)).until(sinks::allWritten);
        IAM.reset();
        IOT.reset();
        for (Credential credential : registry.all()) {
            issuer.caches().forEach(cache -> cache.operations().evict(credential.name()));
        }
        client = WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(30))
                .build();
    }

    /**
     * The broker's promise about WIoTP keys: none that it minted outlives its ttl on the platform. The broker retires
     * expired cache entries on its scan ticks and revokes them; this waits for that, and fails if a key stays.
     */
    @AfterEach
    void noMintedKeyIsLeftPastItsTtl() {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(IOT.mintedKeysPastTheirTime()).isEmpty());
    }

    /** A request to the broker as a client-key caller. */
    protected WebTestClient.RequestBodySpec iamToken(String callerKey, String credential) {
        return client.post()
                .uri("/v1/credentials/{name}/iam-token", credential)
                .headers(headers -> headers.setBearerAuth(callerKey));
    }

    /** The access token the broker serves this caller for this credential; fails the test on any other answer. */
    protected String accessToken(String callerKey, String credential) {
        return (String) iamToken(callerKey, credential)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JSON)
                .returnResult()
                .getResponseBody()
                .get("access_token");
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class FakeClock {

        @Bean
        @Primary
        Clock fakeClock() {
            return TestBroker.CLOCK;
        }

        @Bean
        RequestTracker requestTracker() {
            return new RequestTracker();
        }
    }
}
