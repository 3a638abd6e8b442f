package dev.tokenbroker.bench;

import dev.tokenbroker.testing.LoadClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.resources.ConnectionProvider;

/**
 * The cold burst of {@code scripts/scale-bench.sh}: {@code IAM_REQUESTS} concurrent {@code iam-token} requests for
 * {@code wml-prod} (with at least 1 s of validity) and {@code IOT_REQUESTS} concurrent {@code iot-key} requests for
 * {@code factory-iot}, all at once, spread round-robin over the instances, with the client key in the environment variable {@code BENCH_KEY}. Prints
 * {@code STATUS_<code>=n} per HTTP status (0: no answer), {@code TOKENS=n} and {@code KEYS=n} (distinct values handed
 * out), then exits.
 *
 * <p>Arguments: {@code IAM_REQUESTS IOT_REQUESTS PORT...}.
 */
public final class ColdBurst {

    private ColdBurst() {}

    public static void main(String[] args) {
        int iamRequests = Integer.parseInt(args[0]);
        int iotRequests = Integer.parseInt(args[1]);
        String key = System.getenv("BENCH_KEY");
        ConnectionProvider pool = LoadClients.pool(iamRequests + iotRequests);
        List<WebClient> clients = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            clients.add(LoadClients.concurrent(Integer.parseInt(args[i]), pool, new AtomicInteger()));
        }
        List<Mono<Answer>> burst = new ArrayList<>();
        for (int i = 0; i < iamRequests + iotRequests; i++) {
            boolean iam = i < iamRequests;
            burst.add(ask(clients.get(i % clients.size()), iam, key));
        }
        List<Answer> answers = Flux.merge(burst).collectList().block(Duration.ofMinutes(2));
        Map<Integer, Integer> statuses = new TreeMap<>();
        answers.forEach(answer -> statuses.merge(answer.status(), 1, Integer::sum));
        statuses.forEach((status, count) -> System.out.println("STATUS_" + status + "=" + count));
        System.out.println("TOKENS=" + distinct(answers, true));
        System.out.println("KEYS=" + distinct(answers, false));
        pool.dispose();
    }

    private static long distinct(List<Answer> answers, boolean iam) {
        return answers.stream()
                .filter(answer -> answer.iam() == iam && answer.status() == 200)
                .map(Answer::value)
                .distinct()
                .count();
    }

    @SuppressWarnings("unchecked")
    private static Mono<Answer> ask(WebClient client, boolean iam, String key) {
        WebClient.RequestHeadersSpec<?> request = iam
                // The script's IAM simulator issues tokens that live LIFETIME seconds (20 by default), less than the
                // default minimum validity of 60 s: ask for 1 s, as its other scenarios do.
                ? client.post()
                        .uri("/v1/credentials/wml-prod/iam-token")
                        .headers(headers -> headers.setBearerAuth(key))
                        .bodyValue(Map.of("min_valid_seconds", 1))
                : client.post()
                        .uri("/v1/credentials/factory-iot/iot-key")
                        .headers(headers -> headers.setBearerAuth(key));
        return request.exchangeToMono(response -> response.bodyToMono(Map.class)
                        .defaultIfEmpty(Map.of())
                        .map(body -> new Answer(iam, response.statusCode().value(), (String)
                                body.get(iam ? "access_token" : "auth-key"))))
                .onErrorResume(failure -> Mono.just(new Answer(iam, 0, null)));
    }

    private record Answer(boolean iam, int status, String value) {}
}
