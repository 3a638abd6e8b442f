#!/usr/bin/env bash
# Scale-out benchmark (DESIGN §11, docs/benchmarks.md#scale-out): upstream calls per credential per hour for 1, 3 and 6
# broker instances, without and with the shared tier, and the cache-hit path's throughput with the shared tier on
# against off (same run, ratio).
#
#   scripts/scale-bench.sh                      # LIFETIME=20 WINDOW=80 INSTANCES="1 3 6" ROUNDS=3
#
# Every process is real and on 127.0.0.1: the packaged jar (one JVM per instance), a redis-server, and the IAM
# simulator (ScaleOutUpstreams, its own JVM) issuing tokens that live LIFETIME seconds, so that WINDOW seconds hold
# WINDOW/LIFETIME token lifetimes. Each instance is asked for a token every 0.5 s while the window runs. The count of
# IAM calls in the window, scaled by LIFETIME/WINDOW, is the calls per credential per hour the same cluster makes
# with IAM's real one-hour tokens. Installs wrk and redis-server with apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

LIFETIME=${LIFETIME:-20}
WINDOW=${WINDOW:-80}
INSTANCES=${INSTANCES:-"1 3 6"}
ROUNDS=${ROUNDS:-3}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-10}
REDIS_PORT=16379
JVM_FLAGS=(@src/main/jvm/deployment.flags)   # the image's flags, from the one place they live

lib::need wrk wrk
lib::need redis-server redis-server redis
lib::need bc bc

work=$(lib::workdir scale)
echo "logs and configuration: $work"

echo "== building the jar and the test classes"
lib::package
lib::test_classpath "$work/test.cp"

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
lib::track $!

lib::start_upstreams dev.tokenbroker.bench.ScaleOutUpstreams "$work/upstreams.log" "$work/vault" "$LIFETIME"
iam_url=$(lib::value "$work/upstreams.log" IAM_URL)
iam_calls() { lib::value "$work/upstreams.log" IAM_CALLS; }

lib::client_key bench
client_key=$CLIENT_KEY

# config FILE PORT SHARED(true|false)
config() {
  cat >"$1" <<YAML
server.port: $2
management.server.port: $(($2 + 1))
spring.data.redis.url: redis://127.0.0.1:$REDIS_PORT
tokenbroker:
  vault.file.directory: $work/vault
  iam.url: $iam_url
  audit.salt: bench-salt-not-a-secret
  shared:
    enabled: $3
    encryption-key-secret: shared-tier
  credentials:
    wml-prod: { type: iam-apikey, secret: wml-prod }
$(lib::bench_caller_yaml)
  policy:
    - callers: ["client:bench"]
      credentials: ["wml-prod"]
      grants: ["iam-token"]
YAML
}

# The tokens live LIFETIME seconds: ask for 1 s of validity, not the default 60 s.
ask() { curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $client_key" \
  -H 'Content-Type: application/json' -d '{"min_valid_seconds":1}' "http://127.0.0.1:$1/v1/credentials/wml-prod/iam-token"; }

# start PORT SHARED: starts an instance, waits until it serves, prints its pid
start() {
  config "$work/broker-$1.yaml" "$1" "$2"
  java "${JVM_FLAGS[@]}" -jar target/token-broker.jar --spring.config.additional-location="file:$work/broker-$1.yaml" \
    >"$work/broker-$1-$2.log" 2>&1 &
  echo $!
}
served() { [ "$(ask "$1")" = 200 ]; }
wait_ready() { lib::wait_until 120 0.25 "" served "$1" || { echo "not ready: $1" >&2; return 1; }; }

declare -A per_hour
echo "== upstream calls per credential: token lifetime ${LIFETIME} s, window ${WINDOW} s (= $(echo "scale=1; $WINDOW / $LIFETIME" | bc) lifetimes)"
for shared in false true; do
  for n in $INSTANCES; do
    redis-cli -p "$REDIS_PORT" FLUSHALL >/dev/null
    instance_pids=()
    ports=()
    for i in $(seq 0 $((n - 1))); do
      port=$((18200 + 2 * i))
      ports+=("$port")
      instance_pids+=("$(start "$port" "$shared")")
    done
    lib::track "${instance_pids[@]}"
    for port in "${ports[@]}"; do wait_ready "$port"; done
    sleep 2
    before=$(iam_calls)
    failed=0
    end=$(($(date +%s) + WINDOW))
    loops=()
    for port in "${ports[@]}"; do
      (
        bad=0
        while [ "$(date +%s)" -lt "$end" ]; do [ "$(ask "$port")" = 200 ] || bad=$((bad + 1)); sleep 0.5; done
        echo "$bad" >"$work/failed-$port"
      ) &
      loops+=($!)
    done
    wait "${loops[@]}"
    after=$(iam_calls)
    for port in "${ports[@]}"; do failed=$((failed + $(cat "$work/failed-$port"))); done
    calls=$((after - before))
    per_hour[$shared-$n]=$(echo "scale=2; $calls * $LIFETIME / $WINDOW" | bc)
    printf '   shared tier %-5s  %d instance(s): %3d IAM calls in the window, %s per credential per hour with 1 h tokens; %d failed requests\n' \
      "$shared" "$n" "$calls" "${per_hour[$shared-$n]}" "$failed"
    for pid in "${instance_pids[@]}"; do lib::stop "$pid"; done
  done
done

echo "== cache-hit throughput, shared tier on vs off (one instance each, side by side, wrk -t2 -c64, ${ROUNDS} rounds)"
cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"min_valid_seconds":1}'
LUA
export BENCH_KEY="$client_key"
off_port=18300
on_port=18310
lib::track "$(start $off_port false)" "$(start $on_port true)"
wait_ready $off_port
wait_ready $on_port
rate() { wrk -t2 -c64 -d"$2"s -s "$work/post.lua" "http://127.0.0.1:$1/v1/credentials/wml-prod/iam-token" \
  | awk '/Requests\/sec/ {printf "%d", $2}'; }
rate $off_port "$SECONDS_PER_ROUND" >/dev/null
rate $on_port "$SECONDS_PER_ROUND" >/dev/null
ratios=()
for round in $(seq 1 "$ROUNDS"); do
  off=$(rate $off_port "$SECONDS_PER_ROUND")
  on=$(rate $on_port "$SECONDS_PER_ROUND")
  ratio=$(echo "scale=3; $on / $off" | bc)
  ratios+=("$ratio")
  echo "   round $round: shared off $off req/s, shared on $on req/s, on/off $ratio"
done
echo "   median on/off: $(lib::median "${ratios[@]}")"
