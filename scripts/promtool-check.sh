#!/usr/bin/env bash
# Prometheus' own checks, on what ./mvnw verify wrote from the real broker and the real chart into target/prometheus/:
#   - first-scrape.txt (FirstScrapeIntegrationTests: a fresh broker's first /actuator/prometheus): promtool check metrics
#     finds nothing to say about a tokenbroker_* family, and no parse error;
#   - alert-rules.yaml (AlertRulesTests: the chart's PrometheusRule spec): promtool check rules accepts every rule;
#   - alert-rules-tests.yaml (src/test/resources/prometheus): promtool test rules passes every alert's unit tests.
# Installs promtool (Debian's prometheus package) with apt when missing; on macOS: brew install prometheus.
# Usage: scripts/promtool-check.sh (after ./mvnw verify). Exits non-zero on any problem.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

folder=target/prometheus
for file in first-scrape.txt alert-rules.yaml alert-rules-tests.yaml; do
  [ -s "$folder/$file" ] || lib::fail "$folder/$file is missing: run ./mvnw -B verify first (the tests write it)"
done
lib::need promtool prometheus prometheus

echo "== promtool check metrics < $folder/first-scrape.txt"
metrics=$(promtool check metrics <"$folder/first-scrape.txt" 2>&1 || true)
problems=$(grep -i -e error -e tokenbroker_ <<<"$metrics" || true)
[ -z "$problems" ] || lib::fail "promtool check metrics, on the broker's own families:"$'\n'"$problems"
echo "   no problem with a tokenbroker_* family ($(grep -c '^# HELP tokenbroker_' "$folder/first-scrape.txt") families)"

echo "== promtool check rules $folder/alert-rules.yaml"
alerts=$(grep -c -E '^[[:space:]-]*alert: ' "$folder/alert-rules.yaml")
rules=$(promtool check rules "$folder/alert-rules.yaml" 2>&1) || lib::fail "promtool check rules:"$'\n'"$rules"
grep -q "SUCCESS: $alerts rules found" <<<"$rules" || lib::fail "promtool check rules did not find the $alerts alerts:"$'\n'"$rules"
echo "   SUCCESS: $alerts rules found"

echo "== promtool test rules $folder/alert-rules-tests.yaml"
tests=$(promtool test rules "$folder/alert-rules-tests.yaml" 2>&1) || lib::fail "promtool test rules:"$'\n'"$tests"
grep -q SUCCESS <<<"$tests" || lib::fail "promtool test rules printed no SUCCESS:"$'\n'"$tests"
echo "   $(grep SUCCESS <<<"$tests" | head -n 1 | sed 's/^ *//')"
echo "promtool check: OK ($(promtool --version 2>&1 | head -n 1))"
