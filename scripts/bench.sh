#!/usr/bin/env bash
# Cache-hit benchmark, run as a user would (DESIGN §10, docs/benchmarks.md): wrk against the packaged jar in
# production configuration (file vault, audit ON, the image's JVM flags), with two baselines started as separate
# processes in the same run: a bare Spring Boot WebFlux app answering the same bytes (its own JVM, a class path with
# only the WebFlux stack) and nginx serving the same bytes. Warms each, alternates them in rounds, prints req/s,
# p50/p99, the ratios of each round and their median; then a paced run at half the broker's peak for its p99 (wrk,
# each connection waiting between an answer and its next request), and the broker's warm-up curve (req/s in each of
# the first 10 seconds after start) with the time it took to reach 90% of the peak. Each round drives the broker twice,
# as a client-key caller and as a workload JWT caller (one token, remembered after its first verification), for the
# JWT/client-key ratio, and the bare app twice, the second time with the JWT's Authorization header (which it ignores):
# the share of that ratio the header's 1 KiB costs with no broker at all. AUDIT lines are written as the Helm chart
# sets them. Last, the warm-up of the image and of the sidecar as they start (the Dockerfile's layout and AOT cache,
# replayed by scripts/image-check.sh; the ENTRYPOINT, and the chart's sidecar command): each one's first 10 s of load,
# its own peak, and when it reached 90% of it.
#
#   scripts/bench.sh                  # ROUNDS=3 SECONDS_PER_ROUND=10 WARMUP_SECONDS=30 CONNECTIONS=64 by default
#   ROUNDS=5 SECONDS_PER_ROUND=20 scripts/bench.sh
#   MODE=audit-canary scripts/bench.sh  # CANARY_SECONDS=30: every issued token has exactly one AUDIT line
#   SKIP_BUILD=1 MAVEN_FLAGS=-o scripts/bench.sh  # reuse target/ as built; Maven offline
#   PROFILE=/tmp/broker.jfr scripts/bench.sh      # also records the broker with JFR (written when it stops)
#   BROKER_OPTS="-Dkey=value" scripts/bench.sh    # extra JVM options for the broker only (experiments)
#   IMAGE=1 scripts/bench.sh                      # the rounds against the image's layout and ENTRYPOINT, not the jar
#   WARMUPS="" scripts/bench.sh                   # skip the image's and the sidecar's warm-up (default "image sidecar")
#   NETTY=1 scripts/bench.sh                      # also a bare Reactor Netty route (issue #13's table), its own rounds
#   AUDIT_STDOUT=pattern scripts/bench.sh         # AUDIT lines in Boot's console pattern (default: the chart's)
#   SECURED=0 scripts/bench.sh                    # skip the third baseline: the bare app behind the broker's lean
#                                                 # Spring Security chain alone (baseline.BareSecuredWebFluxApp)
#   COMPARE="old=/tmp/old.jar;noaudit=target/token-broker.jar --logging.level.AUDIT=off" scripts/bench.sh
#                                                 # more brokers in the same rounds, each its own process with the same
#                                                 # configuration: name=jar [application arguments]; ';' between them
#
# Installs wrk, nginx and bc with apt when missing. Everything listens on 127.0.0.1 only and stops on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ROUNDS=${ROUNDS:-3}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-10}
WARMUP_SECONDS=${WARMUP_SECONDS:-30}
CONNECTIONS=${CONNECTIONS:-64}
MODE=${MODE:-bench}
CANARY_SECONDS=${CANARY_SECONDS:-30}
MAVEN_FLAGS=${MAVEN_FLAGS:-}
BROKER_JAR=${BROKER_JAR:-target/token-broker.jar}
BROKER_PORT=18080
BARE_PORT=18090
NGINX_PORT=18091
NETTY_PORT=18092
NETTY=${NETTY:-0}
SECURED=${SECURED:-1}
SECURED_PORT=18093
COMPARE=${COMPARE:-}
COMPARE_PORT=18100
# The image's runtime and flags, from the one place they live (src/main/jvm/deployment.flags); the bare app gets the
# same JVM and flags. IMAGE_JAVA overrides the JVM (default: the Temurin 25 the image runs on, when present;
# scripts/lib.sh).
JVM_FLAGS=("${LIB_JVM_COMPAT[@]}" @src/main/jvm/deployment.flags)
# The rounds run the packaged jar with the image's flags (IMAGE=0, the default); IMAGE=1 runs them against the image's
# layout, AOT cache and ENTRYPOINT. WARMUPS: which of the image and the sidecar get their warm-up measured.
IMAGE=${IMAGE:-0}
WARMUPS=${WARMUPS-image sidecar}
BROKER_OPTIONS=()
# shellcheck disable=SC2206
[ -n "${BROKER_OPTS:-}" ] && BROKER_OPTIONS+=(${BROKER_OPTS})
[ -n "${PROFILE:-}" ] && BROKER_OPTIONS+=("-XX:StartFlightRecording=filename=$PROFILE,settings=profile,dumponexit=true")

lib::need wrk wrk
lib::need nginx nginx
lib::need bc bc

work=$(lib::workdir bench)
lib::on_exit '[ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null'
echo "logs and configuration: $work"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)  ($(nproc) CPUs)"

if [ -z "${SKIP_BUILD:-}" ]; then
  echo "== building the jar and the test classes"
  lib::package
fi
lib::test_classpath "$work/test.cp"
# The bare app's class path: the WebFlux stack only (no security, actuator, metrics, OpenAPI, vault, cache).
tr ':' '\n' <"$work/test.cp" \
  | grep -Ev 'security|actuator|micrometer-(core|registry|tracing|jakarta)|spring-boot-micrometer|springdoc|swagger|spring-vault|caffeine|oauth2|nimbus|jose|webjars|health|ibm|wiotp|testcontainers|junit|assertj|blockhound|awaitility|helm|fabric8|bouncy|okhttp|mockwebserver' \
  | paste -sd: >"$work/bare.cp"
# The secured baseline's: the same, plus Spring Security's core, web and config (no OAuth2, no JOSE).
tr ':' '\n' <"$work/test.cp" \
  | grep -Ev 'actuator|micrometer-(core|registry|tracing|jakarta)|spring-boot-micrometer|springdoc|swagger|spring-vault|caffeine|oauth2|nimbus|jose|webjars|health|ibm|wiotp|testcontainers|junit|assertj|blockhound|awaitility|helm|fabric8|bouncy|okhttp|mockwebserver|admin' \
  | paste -sd: >"$work/secured.cp"

# answers URL [curl options…]: whether anything answers there (a POST: the bare app and the Netty route answer only those)
answers() { curl -s -o /dev/null "$@"; }
wait_for() { # url [curl options…]
  lib::wait_until 60 0.5 "" answers "$@" || { echo "not ready: $1" >&2; return 1; }
}

echo "== upstreams (IAM simulator) and vault"
lib::start_upstreams dev.tokenbroker.bench.BenchUpstreams "$work/upstreams.log" "$work/vault"
lib::wait_for_line "$work/upstreams.log" '^JWT=' 60 || lib::fail "the upstreams printed no JWT"
iam_url=$(lib::value "$work/upstreams.log" IAM_URL)
jwks_url=$(lib::value "$work/upstreams.log" JWKS_URL)
jwt_issuer=$(lib::value "$work/upstreams.log" JWT_ISSUER)
jwt=$(lib::value "$work/upstreams.log" JWT)

lib::client_key bench
client_key=$CLIENT_KEY
client_hash=$CLIENT_HASH
# How AUDIT lines are written, as the Helm chart sets it for production (config.audit.stdout); AUDIT_STDOUT=pattern
# measures Boot's console pattern instead.
chart_audit_stdout=$(sed -n '/^config:/,/^[a-z]/{/^  audit:/,/^  [a-z]/s/^    stdout: *\([a-z-]*\).*$/\1/p}' helm/token-broker/values.yaml)
AUDIT_STDOUT=${AUDIT_STDOUT:-${chart_audit_stdout:-pattern}}
echo "AUDIT lines: $AUDIT_STDOUT (tokenbroker.audit.stdout; the chart's: ${chart_audit_stdout:-unset})"
cat >"$work/bench.yaml" <<YAML
server.port: $BROKER_PORT
management.server.port: $((BROKER_PORT + 1))
tokenbroker:
  vault.file.directory: $work/vault
  iam.url: $iam_url
  audit.salt: bench-salt-not-a-secret
  audit.stdout: $AUDIT_STDOUT
  credentials:
    wml-prod: { type: iam-apikey, secret: wml-prod }
  callers:
    client-keys:
      bench: "$client_hash"
    jwt:
      - issuer: $jwt_issuer
        jwk-set-uri: $jwks_url
        audiences: [token-broker]
    rate-limit:
      overrides:
        - callers: ["client:bench", "system:serviceaccount:ml:bench"]
          requests-per-second: 100000000
          burst: 100000000
  policy:
    - callers: ["client:bench", "system:serviceaccount:ml:bench"]
      credentials: ["wml-prod"]
      grants: ["iam-token"]
YAML

image_dir="$work/image-check/image/app"
lib::read_commands
if [ "$IMAGE" = 1 ] || [ -n "$WARMUPS" ]; then
  echo "== the image's layout and AOT cache (scripts/image-check.sh replays the Dockerfile and its training run)"
  IMAGE_JAVA=$IMAGE_JAVA IMAGE_CHECK_JAR=$BROKER_JAR IMAGE_CHECK_RUNS="" IMAGE_CHECK_WORK="$work/image-check" \
    scripts/image-check.sh | sed 's/^/   /'
fi
if [ "$IMAGE" = 1 ]; then
  app_dir=$image_dir
  broker_command=("$IMAGE_JAVA" "${BROKER_OPTIONS[@]}" "${IMAGE_COMMAND[@]:1}")
  what="the image's ENTRYPOINT in its layout, AOT cache, audit on"
else
  app_dir=$PWD
  broker_command=("$IMAGE_JAVA" "${BROKER_OPTIONS[@]}" "${JVM_FLAGS[@]}" -jar "$BROKER_JAR")
  what="packaged jar, image flags, no AOT cache, audit on"
fi
echo "== broker ($what)"
echo "   ${broker_command[*]}"
started=$(date +%s.%N)
(cd "$app_dir" && exec "${broker_command[@]}" --spring.config.additional-location="file:$work/bench.yaml") \
  >"$work/broker.log" 2>&1 &
broker_pid=$!
lib::track "$broker_pid"
url="http://127.0.0.1:$BROKER_PORT/v1/credentials/wml-prod/iam-token"
# serves URL [BODY_FILE]: whether URL answers the bench caller 200 (the body kept in BODY_FILE)
serves() {
  curl -s -o "${2:-/dev/null}" -w '%{http_code}' -X POST -H "Authorization: Bearer $client_key" "$1" | grep -q 200
}
lib::wait_until 60 0.25 "$broker_pid" serves "$url" "$work/bench.body" || true
ready=$(date +%s.%N)
echo "broker answered its first request $(echo "$ready - $started" | bc) s after start; body $(wc -c <"$work/bench.body") bytes"

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
local key = os.getenv("BENCH_KEY")
if key then wrk.headers["Authorization"] = "Bearer " .. key end
LUA
export BENCH_KEY="$client_key"

if [ "$MODE" = audit-canary ]; then
  # Every request carries its own X-Request-Id (the broker echoes it); wrk's Lua records the id of every 200 it
  # received. Then: each of those ids has exactly one AUDIT line, and it says issued; no request id has two lines.
  # Requests still in flight when wrk stops may have been answered (and audited) without wrk reading the answer:
  # they are counted apart, and are at most one per connection.
  mkdir -p "$work/canary"
  cat >"$work/canary.lua" <<'LUA'
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  counter = 0
  ok = io.open(os.getenv("CANARY_DIR") .. "/ok-" .. tid .. ".txt", "w")
  auth = "Bearer " .. os.getenv("BENCH_KEY")
end
function request()
  counter = counter + 1
  return wrk.format("POST", nil, { ["Authorization"] = auth, ["X-Request-Id"] = "canary-" .. tid .. "-" .. counter }, nil)
end
function response(status, headers, body)
  if status == 200 then ok:write(headers["X-Request-Id"], "\n") end
end
function done(summary, latency, requests)
  io.write("wrk requests: ", summary.requests, "  non-2xx: ", summary.errors.status, "\n")
end
LUA
  echo "== audit canary: wrk -t2 -c$CONNECTIONS for ${CANARY_SECONDS} s, one X-Request-Id per request"
  CANARY_DIR="$work/canary" wrk -t2 -c"$CONNECTIONS" -d"${CANARY_SECONDS}"s -s "$work/canary.lua" "$url" | tee "$work/canary/wrk.txt"
  # Stopped as Kubernetes stops it (SIGTERM: the server finishes its requests, then queued AUDIT lines are written),
  # then counted: the log is then all it will ever be.
  kill -TERM "$broker_pid"
  wait "$broker_pid" 2>/dev/null || true
  echo "   broker stopped (SIGTERM); counting its log"
  cat "$work/canary"/ok-*.txt | sort >"$work/canary/answered.txt"
  grep -o '"request_id":"canary-[^"]*"' "$work/broker.log" | sed 's/"request_id":"//; s/"$//' | sort >"$work/canary/audited-all.txt" || true
  grep '"request_id":"canary-' "$work/broker.log" | grep '"outcome":"issued"' \
    | grep -o '"request_id":"canary-[^"]*"' | sed 's/"request_id":"//; s/"$//' | sort >"$work/canary/audited-issued.txt" || true
  answered=$(wc -l <"$work/canary/answered.txt")
  lines=$(wc -l <"$work/canary/audited-all.txt")
  issued=$(wc -l <"$work/canary/audited-issued.txt")
  twice=$(uniq -d "$work/canary/audited-all.txt" | wc -l)
  unaudited=$(comm -23 "$work/canary/answered.txt" "$work/canary/audited-issued.txt" | wc -l)
  in_flight=$(comm -13 "$work/canary/answered.txt" "$work/canary/audited-issued.txt" | wc -l)
  echo "   200s read by wrk: $answered   AUDIT lines of canary requests: $lines (issued: $issued)"
  echo "   request ids with more than one line: $twice   200s without an issued line: $unaudited"
  echo "   issued lines whose answer wrk did not read (in flight at stop, at most $CONNECTIONS): $in_flight"
  if [ "$twice" -eq 0 ] && [ "$unaudited" -eq 0 ] && [ "$in_flight" -le "$CONNECTIONS" ] && [ "$lines" -eq "$issued" ]; then
    echo "audit canary: PASS"
    exit 0
  fi
  echo "audit canary: FAIL" >&2
  exit 1
fi

echo "== warm-up curve: broker req/s in each of its first 10 s of load"
curve=()
for _ in $(seq 1 10); do
  curve+=("$(wrk -t2 -c"$CONNECTIONS" -d1s -s "$work/post.lua" "$url" | awk '/Requests\/sec/ {printf "%d", $2}')")
done
echo "   ${curve[*]}"

echo "== bare Spring Boot WebFlux app (own JVM, WebFlux-only class path) and nginx"
"$IMAGE_JAVA" "${JVM_FLAGS[@]}" -cp "target/test-classes:$(cat "$work/bare.cp")" baseline.BareWebFluxApp \
  --server.port=$BARE_PORT --bench.body="$work/bench.body" --spring.main.banner-mode=off >"$work/bare.log" 2>&1 &
lib::track $!
bare_url="http://127.0.0.1:$BARE_PORT/v1/credentials/wml-prod/iam-token"
wait_for "$bare_url" -X POST || true
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

if [ "$SECURED" = 1 ]; then
  echo "== the bare app behind the broker's lean Spring Security chain (own JVM, WebFlux + Spring Security class path)"
  "$IMAGE_JAVA" "${JVM_FLAGS[@]}" -cp "target/test-classes:$(cat "$work/secured.cp")" baseline.BareSecuredWebFluxApp \
    --server.port=$SECURED_PORT --bench.body="$work/bench.body" --bench.key="$client_key" \
    --spring.main.banner-mode=off >"$work/secured.log" 2>&1 &
  lib::track $!
  secured_url="http://127.0.0.1:$SECURED_PORT/v1/credentials/wml-prod/iam-token"
  wait_for "$secured_url" -X POST -H "Authorization: Bearer $client_key" || true
  cmp -s "$work/bench.body" <(curl -s -X POST -H "Authorization: Bearer $client_key" "$secured_url") \
    || { echo "the secured baseline answers other bytes" >&2; exit 1; }
fi

# More brokers, same configuration, each its own process on its own ports: name=jar [application arguments].
compare_names=()
compare_urls=()
if [ -n "$COMPARE" ]; then
  IFS=';' read -r -a compare_entries <<<"$COMPARE"
  for entry in "${compare_entries[@]}"; do
    name=${entry%%=*}
    read -r -a compare_command <<<"${entry#*=}"
    port=$((COMPARE_PORT + 2 * ${#compare_names[@]}))
    echo "== broker '$name': ${compare_command[*]}"
    "$IMAGE_JAVA" "${JVM_FLAGS[@]}" -jar "${compare_command[0]}" --spring.config.additional-location="file:$work/bench.yaml" \
      --server.port=$port --management.server.port=$((port + 1)) "${compare_command[@]:1}" >"$work/compare-$name.log" 2>&1 &
    lib::track $!
    compare_url="http://127.0.0.1:$port/v1/credentials/wml-prod/iam-token"
    lib::wait_until 90 0.25 "$!" serves "$compare_url" || lib::fail "broker '$name' did not answer"
    compare_names+=("$name")
    compare_urls+=("$compare_url")
  done
fi

run() { # name url seconds [bearer] -> "rps p50 p99"
  local out
  out=$(BENCH_KEY="${4:-$client_key}" wrk -t2 -c"$CONNECTIONS" -d"$3"s --latency -s "$work/post.lua" "$2")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  echo "$rps $p50 $p99"
}

# The same warm-up for each (the bare app's C2 is still compiling after one round: its first round used to run at
# two thirds of its later ones, which flattered the broker's ratio).
echo "== warm-up: ${WARMUP_SECONDS} s each"
run broker "$url" "$WARMUP_SECONDS" >/dev/null
run broker-jwt "$url" "$WARMUP_SECONDS" "$jwt" >/dev/null
run bare "$bare_url" "$WARMUP_SECONDS" >/dev/null
run bare-jwt "$bare_url" "$WARMUP_SECONDS" "$jwt" >/dev/null
run nginx "$nginx_url" "$WARMUP_SECONDS" >/dev/null
[ "$SECURED" = 1 ] && run secured "$secured_url" "$WARMUP_SECONDS" >/dev/null
for i in "${!compare_urls[@]}"; do run "${compare_names[$i]}" "${compare_urls[$i]}" "$WARMUP_SECONDS" >/dev/null; done

echo "== $ROUNDS rounds of ${SECONDS_PER_ROUND} s, wrk -t2 -c$CONNECTIONS"
echo "   (broker: client-key caller; jwt: the broker with a remembered workload JWT; bare: the bare WebFlux app;"
echo "   bare-jwt: the bare app sent the JWT's Authorization header, which it ignores: what the header's bytes cost)"
printf '%-6s %10s %8s %8s %10s %8s %10s %8s %10s %10s %8s %12s %13s %8s %13s\n' round broker p50 p99 jwt p99 bare p99 \
  bare-jwt nginx p99 broker/bare broker/nginx jwt/key bare-jwt/bare
ratios_bare=()
ratios_nginx=()
ratios_jwt=()
ratios_bare_jwt=()
peaks=()
ratios_secured=()
ratios_secured_bare=()
declare -A ratios_compare=()
for round in $(seq 1 "$ROUNDS"); do
  read -r b_rps b_p50 b_p99 <<<"$(run broker "$url" "$SECONDS_PER_ROUND")"
  read -r j_rps _ j_p99 <<<"$(run broker-jwt "$url" "$SECONDS_PER_ROUND" "$jwt")"
  read -r w_rps _ w_p99 <<<"$(run bare "$bare_url" "$SECONDS_PER_ROUND")"
  read -r wj_rps _ _ <<<"$(run bare-jwt "$bare_url" "$SECONDS_PER_ROUND" "$jwt")"
  read -r n_rps _ n_p99 <<<"$(run nginx "$nginx_url" "$SECONDS_PER_ROUND")"
  rb=$(echo "scale=3; $b_rps / $w_rps" | bc)
  rn=$(echo "scale=3; $b_rps / $n_rps" | bc)
  rj=$(echo "scale=3; $j_rps / $b_rps" | bc)
  rwj=$(echo "scale=3; $wj_rps / $w_rps" | bc)
  ratios_bare_jwt+=("$rwj")
  ratios_bare+=("$rb")
  ratios_nginx+=("$rn")
  ratios_jwt+=("$rj")
  peaks+=("$b_rps")
  printf '%-6s %10s %8s %8s %10s %8s %10s %8s %10s %10s %8s %12s %13s %8s %13s\n' "$round" "$b_rps" "$b_p50" "$b_p99" \
    "$j_rps" "$j_p99" "$w_rps" "$w_p99" "$wj_rps" "$n_rps" "$n_p99" "$rb" "$rn" "$rj" "$rwj"
  extra=""
  if [ "$SECURED" = 1 ]; then
    read -r s_rps _ s_p99 <<<"$(run secured "$secured_url" "$SECONDS_PER_ROUND")"
    ratios_secured+=("$(echo "scale=3; $b_rps / $s_rps" | bc)")
    ratios_secured_bare+=("$(echo "scale=3; $s_rps / $w_rps" | bc)")
    extra+="secured $s_rps (p99 $s_p99; secured/bare ${ratios_secured_bare[-1]}, broker/secured ${ratios_secured[-1]})  "
  fi
  for i in "${!compare_urls[@]}"; do
    name=${compare_names[$i]}
    read -r c_rps _ c_p99 <<<"$(run "$name" "${compare_urls[$i]}" "$SECONDS_PER_ROUND")"
    ratios_compare[$name]+="$(echo "scale=3; $c_rps / $w_rps" | bc) "
    extra+="$name $c_rps (p99 $c_p99; $name/bare $(echo "scale=3; $c_rps / $w_rps" | bc))  "
  done
  [ -n "$extra" ] && echo "       $extra"
done
median() { lib::median "$@"; }

if [ "$NETTY" = 1 ]; then
  # Reactor Netty alone (no Spring), in its own JVM with the same flags and the WebFlux class path: warmed, then
  # ROUNDS rounds of its own after the table above.
  "$IMAGE_JAVA" "${JVM_FLAGS[@]}" -cp "target/test-classes:$(cat "$work/bare.cp")" baseline.BareReactorNettyServer \
    "$NETTY_PORT" "$work/bench.body" >"$work/netty.log" 2>&1 &
  lib::track $!
  netty_url="http://127.0.0.1:$NETTY_PORT/v1/credentials/wml-prod/iam-token"
  wait_for "$netty_url" -X POST || true
  cmp -s "$work/bench.body" <(curl -s -X POST "$netty_url") || { echo "the Netty route answers other bytes" >&2; exit 1; }
  run netty "$netty_url" "$WARMUP_SECONDS" >/dev/null
  netty_rounds=()
  for _ in $(seq 1 "$ROUNDS"); do
    read -r x_rps _ _ <<<"$(run netty "$netty_url" "$SECONDS_PER_ROUND")"
    netty_rounds+=("$x_rps")
  done
  echo "== bare Reactor Netty route: ${netty_rounds[*]} req/s (median $(median "${netty_rounds[@]}"));" \
    "broker median $(median "${peaks[@]}") req/s"
fi
echo "median broker/bare: $(median "${ratios_bare[@]}")   median broker/nginx: $(median "${ratios_nginx[@]}")" \
  "  median jwt/key: $(median "${ratios_jwt[@]}")   median bare-jwt/bare: $(median "${ratios_bare_jwt[@]}")"
if [ "$SECURED" = 1 ]; then
  echo "median secured/bare: $(median "${ratios_secured_bare[@]}")   median broker/secured: $(median "${ratios_secured[@]}")"
fi
for name in "${compare_names[@]}"; do
  # shellcheck disable=SC2086
  echo "median $name/bare: $(median ${ratios_compare[$name]})"
done

peak=$(median "${peaks[@]}")
rate=$(echo "$peak / 2" | bc)
# Paced: every connection sends its next request interval_ms after its last answer (wrk's delay()), so that the
# offered rate is half the peak however fast the broker answers; hey (Go) could not generate this rate on a core
# shared with the broker. Latency is wrk's, from send to answer.
interval_ms=$(echo "scale=3; $CONNECTIONS * 1000 / $rate" | bc)
cat >"$work/paced.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $client_key"
function delay() return $interval_ms end
LUA
echo "== paced run at ~$rate req/s (half the median peak: each of $CONNECTIONS connections waits ${interval_ms} ms" \
  "between answer and next request) for ${SECONDS_PER_ROUND} s"
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_ROUND}"s --latency -s "$work/paced.lua" "$url" >"$work/paced.txt"
awk '/Requests\/sec/ {print "   achieved req/s: " $2} $1 == "50%" {print "   p50: " $2} $1 == "99%" {print "   p99: " $2}' \
  "$work/paced.txt"
grep -q 'Non-2xx' "$work/paced.txt" && grep 'Non-2xx' "$work/paced.txt" | sed 's/^/   /'
# The same pacing against the bare app: the p99 that this machine and wrk give at this rate with no broker at all.
echo "== the same paced run against the bare WebFlux app"
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_ROUND}"s --latency -s "$work/paced.lua" "$bare_url" >"$work/paced-bare.txt"
awk '/Requests\/sec/ {print "   achieved req/s: " $2} $1 == "50%" {print "   p50: " $2} $1 == "99%" {print "   p99: " $2}' \
  "$work/paced-bare.txt"

target90=$(echo "$peak * 0.9" | bc)
reached=none
for i in "${!curve[@]}"; do
  if [ "$(echo "${curve[$i]} >= $target90" | bc)" -eq 1 ]; then reached=$((i + 1)); break; fi
done
echo "== warm-up: 90% of the median peak ($target90 req/s) reached in second ${reached} of the first 10 of load" \
  "(none: not within 10 s)"
echo "== broker RSS after the run: $(( $(awk '/VmRSS/ {print $2}' /proc/$broker_pid/status) / 1024 )) MiB"

# Warm-up as the image and the sidecar start, each a fresh process in the image's layout: req/s in each of its first
# 10 s of load, then its own peak (the median of two rounds after a warm-up), and the second it first reached 90%.
warmup_of() { # name port env-assignments... -- command...
  local name=$1 port=$2
  shift 2
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  local start_url="http://127.0.0.1:$port/v1/credentials/wml-prod/iam-token" curve=() began i first second peak target
  local reached=none
  echo "== $name warm-up: $* (in the image's layout)"
  (cd "$image_dir" && exec env "${envs[@]}" SERVER_PORT="$port" MANAGEMENT_SERVER_PORT=$((port + 1)) \
    "$@" --spring.config.additional-location="file:$work/bench.yaml") >"$work/$name.log" 2>&1 &
  local pid=$!
  lib::track "$pid"
  began=$(date +%s.%N)
  lib::wait_until 60 0.25 "$pid" serves "$start_url" || true
  echo "   first answer $(echo "$(date +%s.%N) - $began" | bc) s after start"
  for _ in $(seq 1 10); do
    curve+=("$(wrk -t2 -c"$CONNECTIONS" -d1s -s "$work/post.lua" "$start_url" | awk '/Requests\/sec/ {printf "%d", $2}')")
  done
  echo "   first 10 s of load: ${curve[*]}"
  run "$name" "$start_url" "$WARMUP_SECONDS" >/dev/null
  read -r first _ _ <<<"$(run "$name" "$start_url" "$SECONDS_PER_ROUND")"
  read -r second _ _ <<<"$(run "$name" "$start_url" "$SECONDS_PER_ROUND")"
  peak=$(median "$first" "$second")
  target=$(echo "$peak * 0.9" | bc)
  for i in "${!curve[@]}"; do
    if [ "$(echo "${curve[$i]} >= $target" | bc)" -eq 1 ]; then reached=$((i + 1)); break; fi
  done
  echo "   peak after warm-up: $first, $second req/s; 90% of it ($target) reached in second $reached of the first 10" \
    "(none: not within 10 s)"
  lib::stop "$pid"
}
for target in $WARMUPS; do
  case "$target" in
    image) warmup_of image $((BROKER_PORT + 20)) SPRING_PROFILES_ACTIVE=default -- \
      "$IMAGE_JAVA" "${IMAGE_COMMAND[@]:1}" ;;
    sidecar) warmup_of sidecar $((BROKER_PORT + 30)) SPRING_PROFILES_ACTIVE=sidecar \
      JAVA_TOOL_OPTIONS="$SIDECAR_TOOL_OPTIONS" -- "$IMAGE_JAVA" "${SIDECAR_COMMAND[@]:1}" ;;
    *) echo "unknown warm-up target: $target (image, sidecar)" >&2; exit 2 ;;
  esac
done
echo "audit lines written: $(grep -c '"outcome":"issued"' "$work/broker.log")"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
