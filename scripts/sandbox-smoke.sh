#!/usr/bin/env bash
# Starts the sandbox exactly as a developer would (./mvnw spring-boot:test-run), waits for its ready line, runs the
# curl it prints and checks that an access token comes back. Extra checks that need a running broker (e.g. the Node
# SDK script) are run from here too. Usage: scripts/sandbox-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
log=target/sandbox-smoke.log
mkdir -p target
setsid ./mvnw -B -q spring-boot:test-run >"$log" 2>&1 &
pid=$!
trap 'kill -- -"$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT

line=""
for _ in $(seq 1 180); do
  line=$(grep -o 'Try: curl .*' "$log" | head -n1 || true)
  [ -n "$line" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "sandbox exited before it was ready:"; tail -n 50 "$log"; exit 1
  fi
  sleep 1
done
[ -n "$line" ] || { echo "sandbox not ready after 180 s:"; tail -n 50 "$log"; exit 1; }

command=${line#Try: }
echo "sandbox printed: $command"
answer=$(bash -c "$command")
echo "$answer" | grep -q '"access_token":"' || { echo "no access_token in: $answer"; exit 1; }
echo "sandbox smoke: the printed curl returned a token"

if [ -x src/test/node/run.sh ]; then
  port=$(echo "$command" | grep -o '127.0.0.1:[0-9]*' | cut -d: -f2)
  src/test/node/run.sh "http://127.0.0.1:$port" "$PWD/target/sandbox/client-key"
fi
