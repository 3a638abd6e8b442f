#!/usr/bin/env bash
# Footprint under load (issue #14, DESIGN §10, docs/benchmarks.md#footprint): starts the packaged jar as the image
# starts it (the Dockerfile's ENTRYPOINT, jvm/deployment.flags) and as the Helm chart's sidecar starts it (its command,
# jvm/sidecar.flags, the sidecar profile), each in the image's layout with its AOT cache (replayed by
# scripts/image-check.sh) and with -XX:MaxRAM set to that container's memory limit in the chart. Each is driven with
# wrk on the cache-hit path for DURATION seconds, with a burst of cold credentials in the middle, while RSS, the heap
# after GC (from the GC log) and native memory tracking are sampled every INTERVAL seconds. Prints, per profile, the
# time to ready, peak RSS against the limit, heap after GC in the first and the last minute, the NMT breakdown at the
# peak, and the throughput; exits non-zero if a peak RSS is above THRESHOLD percent of its limit.
#
#   scripts/footprint.sh                     # DURATION=300 (5 minutes per profile)
#   DURATION=60 scripts/footprint.sh         # what CI runs
#
# Environment (all optional): DURATION (300), INTERVAL (10), CONNECTIONS (64), THRESHOLD (85), COLD (50 cold
# credentials), PROFILES ("deployment sidecar"), FOOTPRINT_JAVA (the JRE playing the image's: Temurin 25 at
# /usr/lib/jvm/temurin-25-jdk-amd64 when present), FOOTPRINT_SKIP_BUILD (1: use target/ as it is), BASELINE_JAR (an
# older jar: also measure the cache-hit throughput against it, started with BASELINE_FLAGS, in ROUNDS alternating
# rounds of SECONDS_PER_ROUND seconds, and print the same-run ratio).
# Installs wrk with apt when missing. Everything listens on 127.0.0.1 only and stops on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

DURATION=${DURATION:-300}
INTERVAL=${INTERVAL:-10}
CONNECTIONS=${CONNECTIONS:-64}
THRESHOLD=${THRESHOLD:-85}
COLD=${COLD:-50}
PROFILES=${PROFILES:-deployment sidecar}
TEMURIN_25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
if [[ -x "$TEMURIN_25" ]]; then JAVA_BIN=${FOOTPRINT_JAVA:-$TEMURIN_25}; else JAVA_BIN=${FOOTPRINT_JAVA:-java}; fi
JCMD="$(dirname "$(command -v "$JAVA_BIN")")/jcmd"
VALUES=helm/token-broker/values.yaml
HELPERS=helm/token-broker/templates/_helpers.tpl

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

work=$(mktemp -d /tmp/token-broker-footprint.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT
echo "footprint: logs and samples in $work"

if [[ "${FOOTPRINT_SKIP_BUILD:-0}" != 1 ]]; then
    echo "== building the jar and the test classes"
    ./mvnw -B -q -DskipTests package
fi
./mvnw -B -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/test.cp" >/dev/null 2>&1 \
    || ./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/test.cp" >/dev/null

echo "== the image's layout and AOT cache (scripts/image-check.sh)"
IMAGE_CHECK_JAVA=$JAVA_BIN IMAGE_CHECK_RUNS="" IMAGE_CHECK_WORK="$work/image-check" scripts/image-check.sh \
    | sed 's/^/   /'
app="$work/image-check/image/app"

# The commands, from where the image and the chart keep them (as image-check reads them).
entrypoint_json=$(grep -E '^ENTRYPOINT \[' Dockerfile | tail -n 1 | sed 's/^ENTRYPOINT \[\(.*\)\][[:space:]]*$/\1/')
mapfile -t image_command < <(tr ',' '\n' <<<"$entrypoint_json" | sed 's/^[[:space:]]*"//; s/"[[:space:]]*$//')
mapfile -t sidecar_command < <(sed -n '/define "token-broker.sidecar"/,/^  env:/p' "$HELPERS" \
    | sed -n 's/^    - \(.*\)$/\1/p' | sed 's/^"\(.*\)"$/\1/')
sidecar_tool_options=$(sed -n '/^sidecar:/,/^[a-z]/s/^  javaToolOptions: "\(.*\)"$/\1/p' "$VALUES")
deployment_tool_options=$(sed -n 's/^javaToolOptions: "\(.*\)"$/\1/p' "$VALUES")
limit_mib() { # resources | sidecar -> the container's limits.memory in MiB
    if [[ "$1" == resources ]]; then
        sed -n '/^resources:/,/^[a-z]/{/^  limits:/,/^  [a-z]/s/^    memory: *\([0-9]*\)Mi$/\1/p}' "$VALUES"
    else
        sed -n '/^sidecar:/,/^[a-z]/{/^    limits:/,/^    [a-z]/s/^      memory: *\([0-9]*\)Mi$/\1/p}' "$VALUES"
    fi
}

echo "== upstreams (IAM simulator, BenchUpstreams) and vault"
java -cp "target/test-classes:$(cat "$work/test.cp")" dev.tokenbroker.bench.BenchUpstreams "$work/vault" \
    >"$work/upstreams.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 240); do grep -q '^IAM_URL=' "$work/upstreams.log" && break; sleep 0.5; done
iam_url=$(sed -n 's/^IAM_URL=//p' "$work/upstreams.log")
[[ -n "$iam_url" ]] || { cat "$work/upstreams.log" >&2; echo "footprint: the IAM simulator did not start" >&2; exit 1; }

key_out=$(java -jar target/token-broker.jar generate-client-key bench)
client_key=$(grep '^tbk_' <<<"$key_out")
client_hash=$(sed -n 's/^tokenbroker.callers.client-keys.bench=//p' <<<"$key_out")
cold_names=()
for i in $(seq 1 "$COLD"); do cold_names+=("cold-$i"); done
{
    cat <<YAML
tokenbroker:
  vault.file.directory: $work/vault
  iam.url: $iam_url
  audit.salt: footprint-salt-not-a-secret
  credentials:
    wml-prod: { type: iam-apikey, secret: wml-prod }
YAML
    for name in "${cold_names[@]}"; do echo "    $name: { type: iam-apikey, secret: wml-prod }"; done
    cat <<YAML
  callers:
    client-keys:
      bench: "$client_hash"
    rate-limit:
      overrides:
        - callers: ["client:bench"]
          requests-per-second: 100000000
          burst: 100000000
  ops:
    callers: ["client:bench"]
  policy:
    - callers: ["client:bench"]
      credentials: ["*"]
      grants: ["iam-token"]
YAML
} >"$work/footprint.yaml"

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("FOOTPRINT_KEY")
LUA
export FOOTPRINT_KEY="$client_key"

mib() { echo $(($1 / 1024)); }

# NMT committed MiB of each category, one "name=MiB" per category, from `jcmd PID VM.native_memory summary`.
nmt() {
    "$JCMD" "$1" VM.native_memory summary scale=KB 2>/dev/null \
        | sed -n -e 's/^Total: reserved=[0-9]*KB, committed=\([0-9]*\)KB.*/total=\1/p' \
            -e 's/^-  *\([A-Za-z][A-Za-z ]*[a-z]\) (reserved=[0-9]*KB, committed=\([0-9]*\)KB.*/\1=\2/p' \
        | awk -F= '{gsub(/ /, "_", $1); printf "%s=%d ", $1, $2 / 1024}'
}

# heap_after_gc GC_LOG FROM TO: the largest heap occupancy right after a GC between uptime FROM and TO seconds
# (serial GC log lines "[12.345s]... Pause Young (Allocation Failure) 40M->12M(60M) 3.2ms").
heap_after_gc() {
    sed -n 's/^\[\([0-9.]*\)s\].*Pause.* [0-9]*M->\([0-9]*\)M([0-9]*M).*/\1 \2/p' "$1" \
        | awk -v from="$2" -v to="$3" '$1 >= from && $1 < to {if ($2 > max) max = $2; n++} END {print (n ? max : "-")}'
}

status=0
summary=()
port=28480
for profile in $PROFILES; do
    case "$profile" in
        deployment)
            command=("${image_command[@]}")
            limit=$(limit_mib resources)
            tool_options=$deployment_tool_options
            spring_profile=default
            ;;
        sidecar)
            command=("${sidecar_command[@]}")
            limit=$(limit_mib sidecar)
            tool_options=$sidecar_tool_options
            spring_profile=sidecar
            ;;
        *)
            echo "footprint: unknown profile $profile (deployment or sidecar)" >&2
            exit 2
            ;;
    esac
    [[ -n "$limit" ]] || { echo "footprint: no memory limit (Mi) for $profile in $VALUES" >&2; exit 2; }
    command[0]=$JAVA_BIN
    port=$((port + 10))
    management=$((port + 1))
    url="http://127.0.0.1:$port/v1/credentials/wml-prod/iam-token"
    log="$work/$profile.log"
    echo "== $profile: ${command[*]} (limit ${limit} MiB: -XX:MaxRAM=${limit}m)"
    started=$(date +%s%N)
    (
        cd "$app"
        exec env SPRING_CONFIG_ADDITIONAL_LOCATION="file:$work/footprint.yaml" SPRING_PROFILES_ACTIVE="$spring_profile" \
            SERVER_PORT="$port" MANAGEMENT_SERVER_PORT="$management" SERVER_ADDRESS=127.0.0.1 \
            JAVA_TOOL_OPTIONS="-XX:MaxRAM=${limit}m -XX:NativeMemoryTracking=summary -Xlog:gc:file=$work/$profile-gc.log:uptime $tool_options" \
            "${command[@]}"
    ) >"$log" 2>&1 &
    pid=$!
    pids+=("$pid")
    until curl -fsS --max-time 2 "http://127.0.0.1:$management/actuator/health/readiness" 2>/dev/null | grep -q UP; do
        kill -0 "$pid" 2>/dev/null || { tail -n 40 "$log" >&2; echo "footprint: $profile exited" >&2; exit 1; }
        sleep 0.05
    done
    ready_ms=$((($(date +%s%N) - started) / 1000000))
    rss_ready=$(mib "$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")")
    curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $client_key" "$url" \
        || { tail -n 40 "$log" >&2; echo "footprint: $profile does not serve the cache-hit path" >&2; exit 1; }
    echo "   ready in ${ready_ms} ms, RSS ${rss_ready} MiB; wrk -t2 -c$CONNECTIONS for ${DURATION} s"

    load_started=$(date +%s)
    jvm_uptime_at_load=$("$JCMD" "$pid" VM.uptime | awk 'NR == 2 {print int($1)}')
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" -s "$work/post.lua" "$url" >"$work/$profile-wrk.txt" 2>&1 &
    wrk_pid=$!
    pids+=("$wrk_pid")
    samples="$work/$profile-samples.txt"
    : >"$samples"
    burst_done=0
    peak_rss=0
    peak_nmt=""
    while kill -0 "$wrk_pid" 2>/dev/null; do
        sleep "$INTERVAL"
        kill -0 "$pid" 2>/dev/null || { tail -n 40 "$log" >&2; echo "footprint: $profile died under load" >&2; exit 1; }
        elapsed=$(($(date +%s) - load_started))
        if ((burst_done == 0 && elapsed >= DURATION / 2)); then
            # The cold burst: every cold credential asked for by 8 callers at once, all at the same time.
            for name in "${cold_names[@]}"; do
                for _ in 1 2 3 4 5 6 7 8; do echo "$name"; done
            done | xargs -P 64 -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST \
                -H "Authorization: Bearer $client_key" "http://127.0.0.1:$port/v1/credentials/{}/iam-token" \
                >"$work/$profile-cold.txt"
            burst_done=1
        fi
        rss=$(mib "$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")")
        breakdown=$(nmt "$pid")
        printf 't=%ds rss=%d %s\n' "$elapsed" "$rss" "$breakdown" >>"$samples"
        if ((rss > peak_rss)); then
            peak_rss=$rss
            peak_nmt=$breakdown
        fi
    done
    wait "$wrk_pid" || true
    hwm=$(mib "$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")")
    ((hwm > peak_rss)) && peak_rss=$hwm
    rps=$(awk '/Requests\/sec/ {printf "%d", $2}' "$work/$profile-wrk.txt")
    errors=$(awk '/Non-2xx/ {print $5}' "$work/$profile-wrk.txt")
    cold_ok=$(grep -c '^200$' "$work/$profile-cold.txt" 2>/dev/null || true)
    end_uptime=$((jvm_uptime_at_load + DURATION))
    first_minute=$(heap_after_gc "$work/$profile-gc.log" "$jvm_uptime_at_load" $((jvm_uptime_at_load + 60)))
    last_minute=$(heap_after_gc "$work/$profile-gc.log" $((end_uptime - 60)) $((end_uptime + INTERVAL)))
    gcs=$(grep -c 'Pause' "$work/$profile-gc.log" || true)
    kill "$pid"
    wait "$pid" 2>/dev/null || true

    percent=$((peak_rss * 100 / limit))
    sed 's/^/   /' "$samples"
    line=$(printf '%-10s ready %5d ms | peak RSS %3d MiB of %3d MiB (%d%%, at most %d%%) | heap after GC: first minute %s MiB, last minute %s MiB (%d GCs) | %s req/s%s | cold burst %d/%d OK' \
        "$profile" "$ready_ms" "$peak_rss" "$limit" "$percent" "$THRESHOLD" "$first_minute" "$last_minute" "$gcs" \
        "$rps" "${errors:+, $errors non-2xx}" "$cold_ok" $((COLD * 8)))
    summary+=("$line" "           NMT at the peak (committed MiB): $peak_nmt")
    if ((peak_rss * 100 > THRESHOLD * limit)); then
        summary+=("           FAILED: peak RSS above ${THRESHOLD}% of the chart's limit")
        status=1
    fi
    if [[ -n "$errors" ]] || ((cold_ok != COLD * 8)); then
        summary+=("           FAILED: requests failed under load")
        status=1
    fi
done

# BASELINE_JAR: the cache-hit throughput of the deployment profile against an older jar started as the image used to
# start it (BASELINE_FLAGS), both running at once, in alternating rounds: a same-run ratio.
if [[ -n "${BASELINE_JAR:-}" ]]; then
    read -r -a baseline_flags <<<"${BASELINE_FLAGS:--XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError}"
    limit=$(limit_mib resources)
    start_broker() { # NAME PORT FOLDER COMMAND...
        local name=$1 at=$2 folder=$3
        shift 3
        (
            cd "$folder"
            exec env SPRING_CONFIG_ADDITIONAL_LOCATION="file:$work/footprint.yaml" SERVER_PORT="$at" \
                MANAGEMENT_SERVER_PORT=$((at + 1)) SERVER_ADDRESS=127.0.0.1 JAVA_TOOL_OPTIONS="-XX:MaxRAM=${limit}m" "$@"
        ) >"$work/compare-$name.log" 2>&1 &
        pids+=($!)
        until curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $client_key" \
            "http://127.0.0.1:$at/v1/credentials/wml-prod/iam-token" 2>/dev/null; do
            sleep 0.2
        done
    }
    command=("${image_command[@]}")
    command[0]=$JAVA_BIN
    start_broker new 28600 "$app" "${command[@]}"
    start_broker baseline 28610 "$work" "$JAVA_BIN" "${baseline_flags[@]}" -jar "$(cd "$ROOT" && realpath "$BASELINE_JAR")"
    round() { wrk -t2 -c"$CONNECTIONS" -d"$2"s -s "$work/post.lua" "http://127.0.0.1:$1/v1/credentials/wml-prod/iam-token" \
        | awk '/Requests\/sec/ {printf "%d", $2}'; }
    round 28600 10 >/dev/null
    round 28610 10 >/dev/null
    ratios=()
    for i in $(seq 1 "${ROUNDS:-3}"); do
        new_rps=$(round 28600 "${SECONDS_PER_ROUND:-15}")
        old_rps=$(round 28610 "${SECONDS_PER_ROUND:-15}")
        ratios+=("$(echo "scale=3; $new_rps / $old_rps" | bc)")
        summary+=("$(printf 'cache-hit round %d: this jar %s req/s, baseline %s req/s, ratio %s' "$i" "$new_rps" "$old_rps" "${ratios[-1]}")")
    done
    summary+=("median ratio this/baseline: $(printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')")
fi

echo "== footprint ($($JAVA_BIN -version 2>&1 | head -n 1), DURATION=${DURATION}s, wrk -t2 -c$CONNECTIONS)"
printf '%s\n' "${summary[@]}"
exit "$status"
