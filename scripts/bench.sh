#!/usr/bin/env bash
# Cache-hit benchmark, run as a user would (DESIGN §10, docs/benchmarks.md): wrk against the packaged jar in
# production configuration (file vault, audit ON, the image's JVM flags), with two baselines started as separate
# processes in the same run: a bare Spring Boot WebFlux app answering the same bytes (its own JVM, a class path with
# only the WebFlux stack) and nginx serving the same bytes. Warms each, alternates them in rounds, prints req/s,
# p50/p99, the ratios of each round and their median; then an open-loop run (hey at a fixed rate) at half the broker's
# peak for its p99, and the broker's warm-up curve (req/s in each of the first 10 seconds after start).
#
#   scripts/bench.sh                  # ROUNDS=3 SECONDS_PER_ROUND=10 CONNECTIONS=64 by default
#   ROUNDS=5 SECONDS_PER_ROUND=20 scripts/bench.sh
#
# Installs wrk, nginx and hey with apt when missing. Everything listens on 127.0.0.1 only and stops on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-10}
CONNECTIONS=${CONNECTIONS:-64}
BROKER_PORT=18080
BARE_PORT=18090
NGINX_PORT=18091
JVM_FLAGS=(-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError)

need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need nginx nginx
need hey hey
need bc bc

work=$(mktemp -d /tmp/token-broker-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
echo "logs and configuration: $work"

echo "== building the jar and the test classes"
./mvnw -B -q -DskipTests package
./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/test.cp" >/dev/null
# The bare app's class path: the WebFlux stack only (no security, actuator, metrics, OpenAPI, vault, cache).
tr ':' '\n' <"$work/test.cp" \
  | grep -Ev 'security|actuator|micrometer-(core|registry|tracing|jakarta)|spring-boot-micrometer|springdoc|swagger|spring-vault|caffeine|oauth2|nimbus|jose|webjars|health|ibm|wiotp|testcontainers|junit|assertj|blockhound|awaitility|helm|fabric8|bouncy|okhttp|mockwebserver' \
  | paste -sd: >"$work/bare.cp"

wait_for() { # url
  for _ in $(seq 1 120); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.5
  done
  echo "not ready: $1" >&2
  return 1
}

echo "== upstreams (IAM simulator) and vault"
java -cp "target/test-classes:$(cat "$work/test.cp")" dev.tokenbroker.bench.BenchUpstreams "$work/vault" >"$work/upstreams.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do grep -q '^IAM_URL=' "$work/upstreams.log" && break; sleep 0.5; done
iam_url=$(sed -n 's/^IAM_URL=//p' "$work/upstreams.log")

key_out=$(java -jar target/token-broker.jar generate-client-key bench)
client_key=$(echo "$key_out" | grep '^tbk_')
client_hash=$(echo "$key_out" | sed -n 's/^tokenbroker.callers.client-keys.bench=//p')
cat >"$work/bench.yaml" <<YAML
server.port: $BROKER_PORT
management.server.port: $((BROKER_PORT + 1))
tokenbroker:
  vault.file.directory: $work/vault
  iam.url: $iam_url
  audit.salt: bench-salt-not-a-secret
  credentials:
    wml-prod: { type: iam-apikey, secret: wml-prod }
  callers:
    client-keys:
      bench: "$client_hash"
    rate-limit:
      overrides:
        - callers: ["client:bench"]
          requests-per-second: 100000000
          burst: 100000000
  policy:
    - callers: ["client:bench"]
      credentials: ["wml-prod"]
      grants: ["iam-token"]
YAML

echo "== broker (packaged jar, image flags, audit on)"
started=$(date +%s.%N)
java "${JVM_FLAGS[@]}" -jar target/token-broker.jar --spring.config.additional-location="file:$work/bench.yaml" \
  >"$work/broker.log" 2>&1 &
pids+=($!)
broker_pid=$!
url="http://127.0.0.1:$BROKER_PORT/v1/credentials/wml-prod/iam-token"
for _ in $(seq 1 240); do
  curl -s -o "$work/bench.body" -w '%{http_code}' -X POST -H "Authorization: Bearer $client_key" "$url" | grep -q 200 && break
  sleep 0.25
done
ready=$(date +%s.%N)
echo "broker answered its first request $(echo "$ready - $started" | bc) s after start; body $(wc -c <"$work/bench.body") bytes"

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
local key = os.getenv("BENCH_KEY")
if key then wrk.headers["Authorization"] = "Bearer " .. key end
LUA
export BENCH_KEY="$client_key"

echo "== warm-up curve: broker req/s in each of its first 10 s of load"
curve=()
for _ in $(seq 1 10); do
  curve+=("$(wrk -t2 -c"$CONNECTIONS" -d1s -s "$work/post.lua" "$url" | awk '/Requests\/sec/ {printf "%d", $2}')")
done
echo "   ${curve[*]}"

echo "== bare Spring Boot WebFlux app (own JVM, WebFlux-only class path) and nginx"
java "${JVM_FLAGS[@]}" -cp "target/test-classes:$(cat "$work/bare.cp")" baseline.BareWebFluxApp \
  --server.port=$BARE_PORT --bench.body="$work/bench.body" --spring.main.banner-mode=off >"$work/bare.log" 2>&1 &
pids+=($!)
bare_url="http://127.0.0.1:$BARE_PORT/v1/credentials/wml-prod/iam-token"
for _ in $(seq 1 120); do curl -s -o /dev/null -X POST "$bare_url" && break; sleep 0.5; done
cmp -s "$work/bench.body" <(curl -s -X POST "$bare_url") || { echo "bare app answers other bytes" >&2; exit 1; }

mkdir -p "$work/nginx"
cp "$work/bench.body" "$work/nginx/token.json"
chmod 755 "$work" "$work/nginx" && chmod 644 "$work/nginx/token.json"   # nginx workers run as www-data
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      root $work/nginx;
      default_type application/json;
      add_header Cache-Control no-store;
      error_page 405 =200 \$uri;
      try_files /token.json =404;
    }
  }
}
NGINX
nginx -c "$work/nginx.conf"
nginx_url="http://127.0.0.1:$NGINX_PORT/v1/credentials/wml-prod/iam-token"
wait_for "$nginx_url"
cmp -s "$work/bench.body" <(curl -s "$nginx_url") || { echo "nginx answers other bytes" >&2; exit 1; }

run() { # name url seconds -> "rps p50 p99"
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$3"s --latency -s "$work/post.lua" "$2")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  echo "$rps $p50 $p99"
}

echo "== warm-up: ${SECONDS_PER_ROUND} s each"
run broker "$url" "$SECONDS_PER_ROUND" >/dev/null
run bare "$bare_url" "$SECONDS_PER_ROUND" >/dev/null
run nginx "$nginx_url" "$SECONDS_PER_ROUND" >/dev/null

echo "== $ROUNDS rounds of ${SECONDS_PER_ROUND} s, wrk -t2 -c$CONNECTIONS"
printf '%-6s %12s %9s %9s %12s %9s %12s %9s %14s %14s\n' round broker p50 p99 bare p99 nginx p99 broker/bare broker/nginx
ratios_bare=()
ratios_nginx=()
peaks=()
for round in $(seq 1 "$ROUNDS"); do
  read -r b_rps b_p50 b_p99 <<<"$(run broker "$url" "$SECONDS_PER_ROUND")"
  read -r w_rps _ w_p99 <<<"$(run bare "$bare_url" "$SECONDS_PER_ROUND")"
  read -r n_rps _ n_p99 <<<"$(run nginx "$nginx_url" "$SECONDS_PER_ROUND")"
  rb=$(echo "scale=3; $b_rps / $w_rps" | bc)
  rn=$(echo "scale=3; $b_rps / $n_rps" | bc)
  ratios_bare+=("$rb")
  ratios_nginx+=("$rn")
  peaks+=("$b_rps")
  printf '%-6s %12s %9s %9s %12s %9s %12s %9s %14s %14s\n' "$round" "$b_rps" "$b_p50" "$b_p99" "$w_rps" "$w_p99" \
    "$n_rps" "$n_p99" "$rb" "$rn"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "median broker/bare: $(median "${ratios_bare[@]}")   median broker/nginx: $(median "${ratios_nginx[@]}")"

peak=$(median "${peaks[@]}")
rate=$(echo "$peak / 2" | bc)
per_worker=$(( (rate + CONNECTIONS - 1) / CONNECTIONS ))
echo "== open loop: hey at ~$((per_worker * CONNECTIONS)) req/s (half the median peak) for ${SECONDS_PER_ROUND} s"
hey -z "${SECONDS_PER_ROUND}s" -c "$CONNECTIONS" -q "$per_worker" -m POST -H "Authorization: Bearer $client_key" "$url" \
  >"$work/hey.txt"
awk '/Requests\/sec/ {print "   achieved req/s: " $2} /50% in/ {print "   p50: " $3 * 1000 " ms"} /99% in/ {print "   p99: " $3 * 1000 " ms"}' "$work/hey.txt"
grep -q '\[200\]' "$work/hey.txt" && grep -A5 'Status code distribution' "$work/hey.txt" | sed 's/^/   /'

echo "== broker RSS after the run: $(( $(awk '/VmRSS/ {print $2}' /proc/$broker_pid/status) / 1024 )) MiB"
echo "audit lines written: $(grep -c '"outcome":"issued"' "$work/broker.log")"
