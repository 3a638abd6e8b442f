#!/usr/bin/env bash
# Starts the sandbox exactly as a developer would (./mvnw spring-boot:test-run), waits for its ready line, and runs
# every command it printed ("Try: …" lines) exactly as printed: each must exit 0 (curl -f: no HTTP error) and print
# an answer; the answers that carry a credential or a meter are checked for it. Extra checks that need a running
# broker (the Node SDK script) are run from here too. Usage: scripts/sandbox-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
log=target/sandbox-smoke.log
mkdir -p target
setsid ./mvnw -B -q spring-boot:test-run >"$log" 2>&1 &
pid=$!
lib::track_group "$pid"

ready_line='Sandbox ready: [0-9]* commands above'
lib::wait_for_line "$log" "$ready_line" 180 "$pid" || case $? in
  2) echo "sandbox exited before it was ready:"; tail -n 50 "$log"; exit 1 ;;
  *) echo "sandbox not ready after 180 s:"; tail -n 50 "$log"; exit 1 ;;
esac
ready=$(grep -o "$ready_line" "$log" | head -n1)

mapfile -t commands < <(grep -o 'Try: .*' "$log" | sed 's/^Try: //')
expected=$(echo "$ready" | grep -o '[0-9]*')
[ "${#commands[@]}" -eq "$expected" ] || { echo "found ${#commands[@]} Try: lines, the sandbox printed $expected"; exit 1; }

# What each kind of answer must contain, by a fragment of its command.
expect_for() {
  case "$1" in
    */iot-key*) echo '"auth-token":"' ;;
    */oauth2/token*) echo '"issued_token_type":"urn:ietf:params:oauth:token-type:access_token"' ;;
    */identity/token*|*/iam-token*) echo '"access_token":"' ;;
    */actuator/health*) echo '"components"' ;;
    */actuator/tokens*) echo '"credential":"demo"' ;;
    */actuator/prometheus*) echo 'tokenbroker_requests_total' ;;
    */actuator/configprops*) echo '"refreshAt":0.8' ;;
    *) echo '' ;;
  esac
}

for command in "${commands[@]}"; do
  echo "sandbox printed: $command"
  answer=$(bash -c "$command") || { echo "FAILED (exit $?): $command"; exit 1; }
  [ -n "$answer" ] || { echo "FAILED (empty answer): $command"; exit 1; }
  want=$(expect_for "$command")
  if [ -n "$want" ] && ! grep -qF -- "$want" <<<"$answer"; then
    echo "FAILED (no $want in the answer): $command"; echo "$answer" | head -c 2000; exit 1
  fi
done
echo "sandbox smoke: all ${#commands[@]} printed commands worked as printed"

if [ -x src/test/node/run.sh ]; then
  port=$(grep -o 'IamAuthenticator url=http://127.0.0.1:[0-9]*' "$log" | head -n1 | grep -o '[0-9]*$')
  src/test/node/run.sh "http://127.0.0.1:$port" "$PWD/target/sandbox/client-key"
fi
