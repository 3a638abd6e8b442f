package dev.tokenbroker.testing;

import static dev.tokenbroker.testing.TestBroker.IAM;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.cache.CredentialIssuer;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.sink.FileSinks;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Base of the whole-application tests: one shared application context on a random port, driven over real HTTP on
 * loopback, with the fake clock and the IAM simulator of {@link TestBroker}. Each test starts with an empty cache
 * and a fresh simulator.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("it")
@Import(BrokerIntegrationTest.FakeClock.class)
public abstract class BrokerIntegrationTest {

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
        for (Credential credential : registry.all()) {
            issuer.caches().forEach(cache -> cache.evict(credential.name()));
        }
        client = WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(30))
                .build();
    }

    /** A request to the broker as a client-key caller. */
    protected WebTestClient.RequestBodySpec iamToken(String callerKey, String credential) {
        return client.post()
                .uri("/v1/credentials/{name}/iam-token", credential)
                .headers(headers -> headers.setBearerAuth(callerKey));
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class FakeClock {

        @Bean
        @Primary
        Clock fakeClock() {
            return TestBroker.CLOCK;
        }
    }
}
