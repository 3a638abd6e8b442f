#!/usr/bin/env bash
# Issue 25, Must show 2: the ops dashboard in a real browser. Starts a Spring Boot Admin server with the packaged UI
# extension (target/token-broker-sba-extension.jar) on its class path and a broker whose IAM is down
# (dev.tokenbroker.ops.DashboardDemo, from the test class path), then drives Debian's headless Chromium with
# playwright-core (src/test/browser/dashboard-check.mjs): the broker's details page shows the IAM error, the Tokens
# view lists the cached credentials and its Refresh and Evict buttons work. Screenshots are written to
# target/dashboard/ and copied to docs/images/ (commit them when they change).
#
# Needs the build: run ./mvnw -B verify (or package) first. Installs chromium and npm with apt-get when missing, and
# playwright-core (pinned in src/test/browser/package-lock.json) with npm ci; never a browser of Playwright's own.
# Takes about a minute. Usage: scripts/dashboard-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/dashboard
mkdir -p "$out"
extension=target/token-broker-sba-extension.jar
[ -s "$extension" ] && [ -d target/test-classes ] \
  || { echo "dashboard check: $extension or target/test-classes missing: run ./mvnw -B verify first" >&2; exit 1; }

if ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v npm >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
(cd src/test/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

./mvnw -B -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/test.cp" >/dev/null 2>&1 \
  || ./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/test.cp" >/dev/null

log="$out/demo.log"
rm -f "$log" # before the start: the redirect below truncates it only once the background job runs
# The extension comes from the packaged jar only: SBA finds it under META-INF/spring-boot-admin-server-ui/extensions/
# on its class path, as it would on an ops team's server.
java -cp "$extension:target/test-classes:target/classes:$(cat "$out/test.cp")" dev.tokenbroker.ops.DashboardDemo \
  >"$log" 2>&1 &
demo=$!
trap 'kill "$demo" 2>/dev/null || true; wait "$demo" 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do
  grep -qs '^DASHBOARD_INSTANCE=' "$log" && break
  kill -0 "$demo" 2>/dev/null || { tail -n 60 "$log" >&2; echo "dashboard check: the demo exited before it was ready" >&2; exit 1; }
  sleep 1
done
grep -qs '^DASHBOARD_INSTANCE=' "$log" || { tail -n 60 "$log" >&2; echo "dashboard check: not ready after 120 s" >&2; exit 1; }
sba=$(sed -n 's/^DASHBOARD_SBA_URL=//p' "$log")
instance=$(sed -n 's/^DASHBOARD_INSTANCE=//p' "$log")
[ -n "$sba" ] && [ -n "$instance" ] || { tail -n 60 "$log" >&2; echo "dashboard check: no SBA URL or instance id" >&2; exit 1; }

node src/test/browser/dashboard-check.mjs "$sba" "$instance" "$out"

mkdir -p docs/images
screenshots=(sba-applications.png sba-wallboard.png sba-details.png sba-tokens.png)
for screenshot in "${screenshots[@]}"; do cp "$out/$screenshot" docs/images/; done
echo "dashboard check: screenshots copied to docs/images/ (${screenshots[*]})"
