package dev.tokenbroker.ops;

import dev.tokenbroker.audit.AuditEvent;
import dev.tokenbroker.audit.AuditListener;
import dev.tokenbroker.caller.Grant;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.credential.CredentialType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;

/**
 * {@code tokenbroker.requests} ({@code credential}, {@code grant}, {@code outcome}): one count per audited issuance or
 * refusal. Tags are bounded: {@code credential} is a configured credential name or {@code unknown}, {@code grant} a
 * known grant or {@code none}, {@code outcome} {@code issued} or the refusal's problem type (e.g.
 * {@code credential-forbidden}, {@code upstream-unavailable}, {@code http-404}). The caller id is never a tag.
 *
 * <p>The series the dashboard and the alert rules read ({@code issued}, {@code upstream-rejected},
 * {@code upstream-unavailable} for each configured credential and its grant) are registered at zero on construction.
 */
final class RequestMetrics implements AuditListener {

    static final String NAME = "tokenbroker.requests";

    private static final Pattern REASON = Pattern.compile("[a-z0-9-]{1,40}");
    private static final List<String> WATCHED_OUTCOMES = List.of("issued", "upstream-rejected", "upstream-unavailable");

    private final MeterRegistry meters;
    private final CredentialRegistry registry;
    // Registered once per series: looking a counter up by builder allocates an id and sorts its tags each time. The
    // key space is the tags', bounded by configuration.
    private final ConcurrentMap<Series, Counter> counters = new ConcurrentHashMap<>();

    RequestMetrics(MeterRegistry meters, CredentialRegistry registry) {
        this.meters = meters;
        this.registry = registry;
        for (Credential credential : registry.all()) {
            String grant = credential.type() == CredentialType.IOT_APP ? Grant.IOT_KEY.id() : Grant.IAM_TOKEN.id();
            WATCHED_OUTCOMES.forEach(outcome -> counter(credential.name(), grant, outcome));
        }
    }

    @Override
    public void onEvent(AuditEvent event) {
        String credential =
                event.credential() != null && registry.find(event.credential()).isPresent()
                        ? event.credential()
                        : "unknown";
        String grant = event.grant() == null
                ? "none"
                : Grant.fromId(event.grant()).map(Grant::id).orElse("none");
        String outcome = "issued".equals(event.outcome()) ? "issued" : reason(event.reason());
        counter(credential, grant, outcome).increment();
    }

    private Counter counter(String credential, String grant, String outcome) {
        return counters.computeIfAbsent(new Series(credential, grant, outcome), this::register);
    }

    private Counter register(Series series) {
        String credential = series.credential();
        String grant = series.grant();
        String outcome = series.outcome();
        return Counter.builder(NAME)
                .description(MeterDescriptions.of(NAME))
                .tag("credential", credential)
                .tag("grant", grant)
                .tag("outcome", outcome)
                .register(meters);
    }

    private record Series(String credential, String grant, String outcome) {}

    private static String reason(String reason) {
        return reason != null && REASON.matcher(reason).matches() ? reason : "refused";
    }
}
