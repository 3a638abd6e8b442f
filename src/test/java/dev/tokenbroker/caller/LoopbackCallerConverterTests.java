package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.test.StepVerifier;

class LoopbackCallerConverterTests {

    private static final LoopbackCallerProperties ON = new LoopbackCallerProperties("sidecar:app");
    private static final LoopbackCallerProperties OFF = new LoopbackCallerProperties(null);

    @Test
    void convertWhenOnAndIpv4LoopbackWithHeaderThenTheLoopbackCaller() {
        MockServerWebExchange exchange = request("127.0.0.1", true);

        StepVerifier.create(new LoopbackCallerConverter(ON).convert(exchange))
                .assertNext(caller -> assertThat(caller.getName()).isEqualTo("sidecar:app"))
                .verifyComplete();
    }

    @Test
    void convertWhenOnAndIpv6LoopbackWithHeaderThenTheLoopbackCaller() {
        MockServerWebExchange exchange = request("::1", true);

        StepVerifier.create(new LoopbackCallerConverter(ON).convert(exchange))
                .assertNext(caller -> {
                    assertThat(caller.isAuthenticated()).isTrue();
                    assertThat(caller.getName()).isEqualTo("sidecar:app");
                })
                .verifyComplete();
    }

    @Test
    void convertWhenModeOffThenNothing() {
        MockServerWebExchange exchange = request("127.0.0.1", true);

        StepVerifier.create(new LoopbackCallerConverter(OFF).convert(exchange)).verifyComplete();
        StepVerifier.create(new LoopbackCallerConverter(new LoopbackCallerProperties(" ")).convert(exchange))
                .verifyComplete();
    }

    @Test
    void convertWhenWithoutTheHeaderThenNothing() {
        MockServerWebExchange exchange = request("127.0.0.1", false);

        StepVerifier.create(new LoopbackCallerConverter(ON).convert(exchange)).verifyComplete();
    }

    @Test
    void convertWhenFromAnotherAddressThenNothing() {
        for (String address : new String[] {"10.0.0.7", "127.0.0.6", "192.168.1.1", "::2"}) {
            MockServerWebExchange exchange = request(address, true);

            StepVerifier.create(new LoopbackCallerConverter(ON).convert(exchange))
                    .as(address)
                    .verifyComplete();
        }
    }

    @Test
    void convertWhenNoRemoteAddressThenNothing() {
        MockServerWebExchange exchange = MockServerWebExchange.from(
                MockServerHttpRequest.get("/v1/credentials").header(LoopbackCallerConverter.HEADER, "true"));

        StepVerifier.create(new LoopbackCallerConverter(ON).convert(exchange)).verifyComplete();
    }

    private static MockServerWebExchange request(String address, boolean withHeader) {
        MockServerHttpRequest.BaseBuilder<?> request =
                MockServerHttpRequest.get("/v1/credentials").remoteAddress(new InetSocketAddress(address, 50000));
        if (withHeader) {
            request.header(LoopbackCallerConverter.HEADER, "true");
        }
        return MockServerWebExchange.from(request);
    }
}
