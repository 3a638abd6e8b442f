package dev.tokenbroker.bench;

import dev.tokenbroker.TokenBrokerApplication;
import dev.tokenbroker.testing.TestBroker;
import dev.tokenbroker.testing.TestJwts;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Cache-hit throughput of JWT callers against client-key callers (DESIGN §10: JWT callers reach at least 90% of
 * client-key throughput), and of the cache-hit path against a bare WebFlux handler in the same process (DESIGN §10:
 * at least 60%). Starts the broker in this process with the test world of {@link TestBroker} (IAM and JWKS
 * simulators on loopback, fake clock), warms the token cache, then drives {@code POST
 * /v1/credentials/wml-prod/iam-token} over 64 keep-alive connections for a fixed time per round, alternating caller
 * kinds: client key {@code client:scorer} and 64 distinct service-account JWTs (one per connection, so every request
 * after the first is a verified-JWT memory hit). Prints requests/s per round and the JWT/client-key ratio, and
 * requests per broker CPU-second (CPU time of the broker's {@code reactor-http-nio} event loops; the load driver
 * runs on its own {@code bench-client} loops): on a shared
 * machine whose other tenants steal CPU, wall-clock rates swing by 2x between rounds while the work per request does
 * not, so the CPU-normalised ratio is the stable estimate of the throughput ratio on dedicated cores.
 *
 * <p>Arguments: {@code [seconds per round, default 10] [rounds per kind, default 5]}. Rounds alternate client key, JWT, client key, …; besides the ratio of the means it prints the median of the per-round ratios, which is the robust number on a shared, noisy machine. Command in docs/benchmarks.md.
 */
public final class CacheHitBenchmark {

    private static final int CONNECTIONS = 64;
    private static final String PATH = "/v1/credentials/wml-prod/iam-token";
    private static final String BARE_PATH = "/bench/bare";
    private static final String CLIENT_THREADS = "bench-client";
    private static final String BROKER_THREADS = "reactor-http-nio";

    private CacheHitBenchmark() {}

    public static void main(String[] args) {
        Duration round = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 10);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        try (ConfigurableApplicationContext broker = start()) {
            int port = Integer.parseInt(broker.getEnvironment().getProperty("local.server.port"));
            System.out.println("broker on port " + port);
            HttpClient http = HttpClient.create(ConnectionProvider.builder("bench")
                            .maxConnections(CONNECTIONS)
                            .pendingAcquireMaxCount(-1)
                            .build())
                    .runOn(LoopResources.create(CLIENT_THREADS, 2, true))
                    .baseUrl("http://127.0.0.1:" + port);
            System.out.println("load average at start: " + loadAverage());
            List<String> clientKeys = List.of(TestBroker.SCORER_KEY);
            List<String> jwts = IntStream.range(0, CONNECTIONS)
                    .mapToObj(i -> TestJwts.serviceAccount("ml", "bench-" + i).sign())
                    .toList();

            List<String> noCaller = java.util.Collections.singletonList(null);
            for (int i = 0; i < 3; i++) {
                drive(http, clientKeys, PATH, Duration.ofSeconds(5));
                drive(http, jwts, PATH, Duration.ofSeconds(5));
                drive(http, noCaller, BARE_PATH, Duration.ofSeconds(5));
            }
            List<Result> clientKeyResults = new ArrayList<>();
            List<Result> jwtResults = new ArrayList<>();
            List<Result> bareResults = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                clientKeyResults.add(report("client-key", drive(http, clientKeys, PATH, round)));
                jwtResults.add(report("jwt       ", drive(http, jwts, PATH, round)));
                bareResults.add(report("bare      ", drive(http, noCaller, BARE_PATH, round)));
            }
            List<Double> clientKeyRates = clientKeyResults.stream()
                    .map(r -> r.ok() / (r.nanos() / 1e9))
                    .toList();
            List<Double> jwtRates =
                    jwtResults.stream().map(r -> r.ok() / (r.nanos() / 1e9)).toList();
            double clientKeyCpu =
                    clientKeyResults.stream().mapToLong(Result::ok).sum()
                            / (clientKeyResults.stream()
                                            .mapToLong(Result::brokerCpuNanos)
                                            .sum()
                                    / 1e9);
            double jwtCpu = jwtResults.stream().mapToLong(Result::ok).sum()
                    / (jwtResults.stream().mapToLong(Result::brokerCpuNanos).sum() / 1e9);
            double bareCpu = bareResults.stream().mapToLong(Result::ok).sum()
                    / (bareResults.stream().mapToLong(Result::brokerCpuNanos).sum() / 1e9);
            double bare = mean(
                    bareResults.stream().map(r -> r.ok() / (r.nanos() / 1e9)).toList());
            double clientKey = mean(clientKeyRates);
            double jwt = mean(jwtRates);
            List<Double> pairRatios = IntStream.range(0, rounds)
                    .mapToObj(i -> jwtRates.get(i) / clientKeyRates.get(i))
                    .sorted()
                    .toList();
            System.out.printf(
                    Locale.ROOT,
                    "RESULT connections=%d round=%ss rounds=%d client-key=%.0f req/s jwt=%.0f req/s"
                            + " ratio-of-means=%.3f median-round-ratio=%.3f round-ratios=%s%n"
                            + "RESULT per broker CPU-second: client-key=%.0f jwt=%.0f ratio jwt/client-key=%.3f load=%s%n",
                    CONNECTIONS,
                    round.toSeconds(),
                    rounds,
                    clientKey,
                    jwt,
                    jwt / clientKey,
                    pairRatios.get(rounds / 2),
                    pairRatios.stream()
                            .map(r -> String.format(Locale.ROOT, "%.2f", r))
                            .toList(),
                    clientKeyCpu,
                    jwtCpu,
                    jwtCpu / clientKeyCpu,
                    loadAverage());
            System.out.printf(
                    Locale.ROOT,
                    "RESULT bare handler baseline: %.0f req/s, %.0f per broker CPU-second;"
                            + " cache hit (client key) / bare = %.3f wall clock, %.3f per CPU-second%n",
                    bare,
                    bareCpu,
                    clientKey / bare,
                    clientKeyCpu / bareCpu);
        }
    }

    private static ConfigurableApplicationContext start() {
        List<String> args = new ArrayList<>();
        TestBroker.properties().forEach((name, value) -> args.add("--" + name + "=" + value));
        args.add("--server.port=0");
        args.add("--management.server.port=0");
        // Both caller kinds write the same audit line; it is switched off so that the log does not swamp the console.
        args.add("--logging.level.AUDIT=OFF");
        args.add("--logging.level.root=WARN");
        args.add("--tokenbroker.callers.rate-limit.overrides[0].callers[0]=client:*");
        args.add("--tokenbroker.callers.rate-limit.overrides[0].callers[1]=*/system:serviceaccount:*:*");
        args.add("--tokenbroker.callers.rate-limit.overrides[0].requests-per-second=1000000000");
        args.add("--tokenbroker.callers.rate-limit.overrides[0].burst=2000000000");
        return new SpringApplicationBuilder(TokenBrokerApplication.class, BareHandler.class)
                .profiles("it")
                .initializers(context -> context.getBeanFactory().registerSingleton("clock", (Clock) TestBroker.CLOCK))
                .run(args.toArray(String[]::new));
    }

    // CONNECTIONS workers, each sending one request after another on its own connection until the time is up.
    private static Result drive(HttpClient http, List<String> tokens, String path, Duration duration) {
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long cpuBefore = brokerCpuNanos();
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        Flux.range(0, CONNECTIONS)
                .flatMap(
                        worker -> request(http, tokens.get(worker % tokens.size()), path)
                                .doOnNext(status -> (status == 200 ? ok : failed).incrementAndGet())
                                .repeat(() -> System.nanoTime() < deadline)
                                .then(),
                        CONNECTIONS)
                .blockLast();
        long nanos = System.nanoTime() - start;
        return new Result(ok.get(), failed.get(), nanos, brokerCpuNanos() - cpuBefore);
    }

    // token null: no Authorization header (the bare baseline).
    private static Mono<Integer> request(HttpClient http, String token, String path) {
        HttpClient caller =
                token == null ? http : http.headers(headers -> headers.set("Authorization", "Bearer " + token));
        return caller.post()
                .uri(path)
                .responseSingle((response, body) ->
                        body.then(Mono.just(response.status().code())))
                .onErrorReturn(-1);
    }

    private static Result report(String kind, Result result) {
        double rate = result.ok() / (result.nanos() / 1e9);
        System.out.printf(
                Locale.ROOT,
                "%s %8.0f req/s  %8.0f req per broker CPU-second  (%d ok, %d failed)%n",
                kind,
                rate,
                result.perCpuSecond(),
                result.ok(),
                result.failed());
        return result;
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                    .trim();
        } catch (java.io.IOException | RuntimeException e) {
            return "n/a";
        }
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }

    // CPU time of the broker's event-loop threads, where the whole cache-hit path runs (GC and JIT excluded: during
    // warm-up on a starved machine the JIT alone dwarfs the request work).
    private static long brokerCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long broker = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith(BROKER_THREADS)) {
                broker += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return broker;
    }

    /**
     * The baseline of DESIGN §10: a bare WebFlux handler in the same process and server, answering a constant body
     * of the cache-hit answer's size, with no caller authentication, policy, cache or audit.
     */
    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    static class BareHandler {

        @org.springframework.context.annotation.Bean
        org.springframework.web.reactive.function.server.RouterFunction<
                        org.springframework.web.reactive.function.server.ServerResponse>
                bareHandler() {
            String body = "{\"access_token\":\"" + "x".repeat(1000)
                    + "\",\"token_type\":\"Bearer\",\"expires_in\":3600,\"expiration\":1795000000,"
                    + "\"credential\":\"wml-prod\"}";
            return org.springframework.web.reactive.function.server.RouterFunctions.route(
                    org.springframework.web.reactive.function.server.RequestPredicates.POST(BARE_PATH),
                    request -> org.springframework.web.reactive.function.server.ServerResponse.ok()
                            .contentType(org.springframework.http.MediaType.APPLICATION_JSON)
                            .bodyValue(body));
        }
    }

    private record Result(long ok, long failed, long nanos, long brokerCpuNanos) {

        double perCpuSecond() {
            return ok / (brokerCpuNanos / 1e9);
        }
    }
}
