package dev.tokenbroker.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class SingleFlightTests {

    private final SingleFlight<String, String> flights = new SingleFlight<>();
    private final AtomicInteger started = new AtomicInteger();
    private final List<Sinks.One<String>> answers = new CopyOnWriteArrayList<>();

    @Test
    void runWhen200CallersAskAtOnceThenTheWorkRunsOnceAndAllGetItsValue() {
        List<String> got = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 200; i++) {
            flights.run("jwks", this::work).subscribe(got::add);
        }

        answers.get(0).tryEmitValue("keys");

        assertThat(started).hasValue(1);
        assertThat(got).hasSize(200).containsOnly("keys");
        assertThat(flights.isRunning("jwks")).isFalse();
    }

    @Test
    void runWhenEveryCallerCancelsThenTheWorkIsNotCancelled() {
        List<Disposable> callers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            callers.add(flights.run("jwks", this::work).subscribe());
        }
        callers.forEach(Disposable::dispose);

        boolean stillRunning = flights.isRunning("jwks");
        int workSubscribers = answers.get(0).currentSubscriberCount();
        answers.get(0).tryEmitValue("keys");

        assertThat(stillRunning).isTrue();
        assertThat(workSubscribers).isEqualTo(1);
        assertThat(flights.isRunning("jwks")).isFalse();
    }

    @Test
    void runWhenTheWorkFailsThenAllCallersGetTheErrorAndTheNextCallStartsAnew() {
        Mono<String> first = flights.run("jwks", this::work);
        Mono<String> second = flights.run("jwks", this::work);
        StepVerifier.create(Mono.zipDelayError(first, second))
                .then(() -> answers.get(0).tryEmitError(new IllegalStateException("down")))
                .expectErrorSatisfies(error -> assertThat(Exceptions.unwrapMultiple(error))
                        .hasSize(2)
                        .allSatisfy(each -> assertThat(each).hasMessage("down")))
                .verify(Duration.ofSeconds(5));

        StepVerifier.create(flights.run("jwks", this::work))
                .then(() -> answers.get(1).tryEmitValue("keys"))
                .expectNext("keys")
                .verifyComplete();
        assertThat(started).hasValue(2);
    }

    @Test
    void runWhenKeysDifferThenFlightsAreSeparateAndEmptyWorkCompletesEmpty() {
        StepVerifier.create(flights.run("a", Mono::empty)).verifyComplete();
        flights.run("b", this::work).subscribe();
        flights.run("c", this::work).subscribe();

        assertThat(started).hasValue(2);
        assertThat(flights.isRunning("b")).isTrue();
        assertThat(flights.isRunning("c")).isTrue();
    }

    private Mono<String> work() {
        started.incrementAndGet();
        Sinks.One<String> answer = Sinks.one();
        answers.add(answer);
        return answer.asMono();
    }
}
