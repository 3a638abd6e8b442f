package baseline;

import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The "bare Spring Boot WebFlux app" baseline of {@code scripts/bench.sh}: the same Boot version, one functional
 * route at the broker's path answering the broker's own answer bytes (read once from {@code bench.body}), no
 * security, no actuator, no audit. The script starts it in a JVM of its own, on a class path with only the WebFlux
 * stack, so it carries none of the costs the comparison is meant to reveal. Its package is outside
 * {@code dev.tokenbroker}, so the broker's component scan never picks it up in tests.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class BareWebFluxApp {

    public static void main(String[] args) {
        SpringApplication.run(BareWebFluxApp.class, args);
    }

    @Bean
    RouterFunction<ServerResponse> token(org.springframework.core.env.Environment environment) throws Exception {
        return tokenRoute(environment);
    }

    /** The route both baselines answer with: the broker's path, its answer bytes, its cache headers. */
    static RouterFunction<ServerResponse> tokenRoute(org.springframework.core.env.Environment environment)
            throws Exception {
        byte[] body = Files.readAllBytes(Path.of(environment.getRequiredProperty("bench.body")));
        return RouterFunctions.route()
                .POST(
                        "/v1/credentials/{name}/iam-token",
                        request -> ServerResponse.ok()
                                .contentType(MediaType.APPLICATION_JSON)
                                .cacheControl(CacheControl.noStore())
                                .header("Pragma", "no-cache")
                                .bodyValue(body))
                .build();
    }
}
