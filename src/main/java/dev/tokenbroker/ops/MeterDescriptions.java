package dev.tokenbroker.ops;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.Map;

/**
 * The HELP text of every {@code tokenbroker.*} meter, in one table. Meters built here carry it themselves; the meters
 * made elsewhere without a description (the cache lookup observation, the retries counter of {@code support/}) get
 * it from this filter as they register, so {@code promtool check metrics} finds HELP on every {@code tokenbroker_*}
 * family.
 */
final class MeterDescriptions implements MeterFilter {

    private static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
            Map.entry(
                    "tokenbroker.requests",
                    "Caller requests by credential, grant and outcome (issued or the refusal's problem type)"),
            Map.entry("tokenbroker.upstream", "Calls to IAM / WIoTP that mint a credential, retries included"),
            Map.entry("tokenbroker.upstream.retries", "Retries of upstream calls absorbed by backoff, by reason"),
            Map.entry(
                    "tokenbroker.token.remaining",
                    "Seconds left of the freshest cached credential; NaN while none is cached"),
            Map.entry("tokenbroker.cache.refreshes", "Background and forced refreshes of cached credentials"),
            Map.entry("tokenbroker.cache.joins", "Requests that joined a mint already in flight (single flight)"),
            Map.entry("tokenbroker.cache.stale", "Credentials served while their refresh is due and failing"),
            Map.entry("tokenbroker.cache.lookup", "Cache lookups of caller requests, a cold key's mint included"),
            Map.entry("tokenbroker.cache.lookup.active", "Cache lookups of caller requests in progress"),
            Map.entry("tokenbroker.vault.reachable", "1 while the vault is reachable (readiness follows it), else 0"));

    /** The description of this meter name, or {@code null} for a name outside the table. */
    static String of(String name) {
        return DESCRIPTIONS.get(name);
    }

    @Override
    public Meter.Id map(Meter.Id id) {
        String description = DESCRIPTIONS.get(id.getName());
        if (description == null || id.getDescription() != null) {
            return id;
        }
        return new Meter.Id(id.getName(), Tags.of(id.getTags()), id.getBaseUnit(), description, id.getType());
    }
}
