#!/usr/bin/env bash
# Scale-out benchmark (DESIGN §11, docs/benchmarks.md#scale-out): for 1, 3 and 6 broker instances without and with the
# shared tier, upstream calls per credential per hour, and the cold start (the instances started together, a cold
# burst the moment they are ready: IAM calls and WIoTP keys); then the cache-hit path's throughput with the shared tier
# on against off (same run, ratio).
#
#   scripts/scale-bench.sh                      # LIFETIME=20 WINDOW=80 INSTANCES="1 3 6" ROUNDS=3 WARMUP_SECONDS=30
#   SCENARIOS=cold-start INSTANCES=3 scripts/scale-bench.sh
#   SCENARIOS=throughput scripts/scale-bench.sh
#
# SCENARIOS (default all three, in this order):
#   calls       each instance is asked for a token every 0.5 s for WINDOW seconds, with the IAM simulator issuing
#               tokens that live LIFETIME seconds, so that the window holds WINDOW/LIFETIME token lifetimes: the IAM
#               calls in the window, scaled by LIFETIME/WINDOW, are the calls per credential per hour with IAM's real
#               one-hour tokens
#   cold-start  the instances started at once, and once all report ready, a burst of BURST concurrent iam-token and
#               BURST/10 iot-key requests spread over them (dev.tokenbroker.bench.ColdBurst): IAM calls, WIoTP keys,
#               values in Redis, failed requests
#   throughput  one instance with the shared tier off and one with it on, side by side, each warmed up for
#               WARMUP_SECONDS, then ROUNDS rounds of wrk -t2 -c64 on the cache-hit path, SECONDS_PER_ROUND on each,
#               the order alternating (off first in odd rounds, on first in even ones): on/off per round and the median
#
# Every process is real and on 127.0.0.1: the packaged jar (one JVM per instance, the image's JVM flags), a redis-server
# (the OS's, else the one the embedded-redis test dependency ships), and the IAM and WIoTP simulators
# (ScaleOutUpstreams, a JVM of its own). Installs wrk and bc with apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

LIFETIME=${LIFETIME:-20}
WINDOW=${WINDOW:-80}
INSTANCES=${INSTANCES:-"1 3 6"}
ROUNDS=${ROUNDS:-3}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-10}
WARMUP_SECONDS=${WARMUP_SECONDS:-30}
BURST=${BURST:-600}
SCENARIOS=${SCENARIOS:-"calls cold-start throughput"}
REDIS_PORT=16379
JVM_FLAGS=("${LIB_JVM_COMPAT[@]}" @src/main/jvm/deployment.flags)   # the image's flags, from the one place they live

lib::need bc bc
[[ " $SCENARIOS " == *" throughput "* ]] && lib::need wrk wrk

work=$(lib::workdir scale)
echo "logs and configuration: $work"

echo "== building the jar and the test classes"
lib::package
lib::test_classpath "$work/test.cp"
test_java() { java -cp "target/test-classes:$(cat "$work/test.cp")" "$@"; }

if command -v redis-server >/dev/null; then
  redis_server=redis-server
else
  redis_server=$(test_java dev.tokenbroker.bench.EmbeddedRedisServer "$work")
fi
"$redis_server" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
lib::track $!
# One RESP command over bash's /dev/tcp (no redis-cli needed): prints the first line of the answer.
redis() {
  local reply
  exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT"
  printf '%s\r\n' "$*" >&3
  IFS= read -r reply <&3
  exec 3>&-
  echo "${reply%$'\r'}"
}
# A function, so that each try asks again (arguments to lib::wait_until are expanded once, when it is called).
redis_up() { [ "$(redis PING 2>/dev/null)" = +PONG ]; }
lib::wait_until 15 0.2 "" redis_up || lib::fail "redis-server did not start"

lib::start_upstreams dev.tokenbroker.bench.ScaleOutUpstreams "$work/upstreams.log" "$work/vault" "$LIFETIME"
iam_url=$(lib::value "$work/upstreams.log" IAM_URL)
iot_url=$(lib::value "$work/upstreams.log" IOT_URL)
iam_calls() { lib::value "$work/upstreams.log" IAM_CALLS; }
iot_keys() { lib::value "$work/upstreams.log" IOT_KEYS; }

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
  iot.api-url: "$iot_url"
  audit.salt: bench-salt-not-a-secret
  server.max-connections-per-address: 5000
  shared:
    enabled: $3
    encryption-key-secret: shared-tier
  credentials:
    wml-prod: { type: iam-apikey, secret: wml-prod }
    factory-iot: { type: iot-app, secret: factory-iot, org: bench, ttl: 1h }
$(lib::bench_caller_yaml)
  policy:
    - callers: ["client:bench"]
      credentials: ["wml-prod"]
      grants: ["iam-token"]
    - callers: ["client:bench"]
      credentials: ["factory-iot"]
      grants: ["iot-key"]
      iot-roles: ["PD_STANDARD_APP"]
YAML
}

# The tokens live LIFETIME seconds: ask for 1 s of validity, not the default 60 s.
ask() { curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $client_key" \
  -H 'Content-Type: application/json' -d '{"min_valid_seconds":1}' "http://127.0.0.1:$1/v1/credentials/wml-prod/iam-token"; }

# start PORT SHARED: starts an instance, prints its pid
start() {
  config "$work/broker-$1.yaml" "$1" "$2"
  "$IMAGE_JAVA" "${JVM_FLAGS[@]}" -jar target/token-broker.jar --spring.config.additional-location="file:$work/broker-$1.yaml" \
    >>"$work/broker-$1-$2.log" 2>&1 &
  echo $!
}
served() { [ "$(ask "$1")" = 200 ]; }
wait_ready() { lib::wait_until 120 0.25 "" served "$1" || { echo "not ready: $1" >&2; return 1; }; }
wait_readiness() { lib::wait_until 120 0.1 "" lib::readiness_up "$(($1 + 1))" || { echo "not ready: $1" >&2; return 1; }; }

# start_fleet N SHARED: starts N instances at once; sets ports and instance_pids
start_fleet() {
  instance_pids=()
  ports=()
  for i in $(seq 0 $(($1 - 1))); do
    port=$((18200 + 2 * i))
    ports+=("$port")
    instance_pids+=("$(start "$port" "$2")")
  done
  lib::track "${instance_pids[@]}"
}
stop_fleet() { for pid in "${instance_pids[@]}"; do lib::stop "$pid"; done; }

declare -A per_hour
if [[ " $SCENARIOS " == *" calls "* ]]; then
  echo "== upstream calls per credential: token lifetime ${LIFETIME} s, window ${WINDOW} s (= $(echo "scale=1; $WINDOW / $LIFETIME" | bc) lifetimes)"
  for shared in false true; do
    for n in $INSTANCES; do
      redis FLUSHALL >/dev/null
      start_fleet "$n" "$shared"
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
      stop_fleet
    done
  done
fi

if [[ " $SCENARIOS " == *" cold-start "* ]]; then
  echo "== cold start: the instances started at once, $BURST iam-token and $((BURST / 10)) iot-key requests the moment all are ready"
  for shared in false true; do
    for n in $INSTANCES; do
      redis FLUSHALL >/dev/null
      calls_before=$(iam_calls)
      keys_before=$(iot_keys)
      started=$SECONDS
      start_fleet "$n" "$shared"
      for port in "${ports[@]}"; do wait_readiness "$port"; done
      ready=$((SECONDS - started))
      BENCH_KEY=$client_key test_java dev.tokenbroker.bench.ColdBurst "$BURST" $((BURST / 10)) "${ports[@]}" \
        >"$work/burst-$shared-$n.txt"
      sleep 1
      calls=$(($(iam_calls) - calls_before))
      keys=$(($(iot_keys) - keys_before))
      ok=$(lib::value "$work/burst-$shared-$n.txt" STATUS_200)
      failed=$((BURST + BURST / 10 - ${ok:-0}))
      in_redis=$(redis KEYS 'tokenbroker:*-*:*' | tr -d '*')
      printf '   shared tier %-5s  %d instance(s), all ready in %3d s: %d IAM calls, %d WIoTP keys, %d values in Redis; %d failed requests\n' \
        "$shared" "$n" "$ready" "$calls" "$keys" "$in_redis" "$failed"
      stop_fleet
    done
  done
fi

if [[ " $SCENARIOS " == *" throughput "* ]]; then
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
  # Both warmed up before the first round (with 10 s each, round 1 ran at half the rate of the next ones), and the
  # order alternates from round to round, so that neither side is always the one measured second.
  rate $off_port "$WARMUP_SECONDS" >/dev/null
  rate $on_port "$WARMUP_SECONDS" >/dev/null
  ratios=()
  for round in $(seq 1 "$ROUNDS"); do
    if ((round % 2)); then
      off=$(rate $off_port "$SECONDS_PER_ROUND")
      on=$(rate $on_port "$SECONDS_PER_ROUND")
    else
      on=$(rate $on_port "$SECONDS_PER_ROUND")
      off=$(rate $off_port "$SECONDS_PER_ROUND")
    fi
    ratio=$(echo "scale=3; $on / $off" | bc)
    ratios+=("$ratio")
    echo "   round $round: shared off $off req/s, shared on $on req/s, on/off $ratio"
  done
  echo "   median on/off: $(lib::median "${ratios[@]}")"
fi
