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
# Profile `bare` (not run by default) is the floor of the stack: the bench's bare Spring Boot WebFlux app
# (baseline.BareWebFluxApp: one route answering fixed bytes at the broker's path; no security, actuator, metrics,
# cache or audit) in its own JVM, on the WebFlux starter's jars only, started with the sidecar's flags and limit (no AOT
# cache: it has none), under the same wrk load (no cold burst: it mints nothing). With the sidecar in the same run
# it prints sidecar ÷ bare peak RSS: what the broker costs above the framework it is built on.
#
#   scripts/footprint.sh                     # DURATION=300 (5 minutes per profile)
#   DURATION=60 scripts/footprint.sh         # what CI runs
#   PROFILES="sidecar bare" scripts/footprint.sh   # the sidecar against the bare WebFlux app's floor
#
# Environment (all optional): DURATION (300), INTERVAL (10), CONNECTIONS (64), THRESHOLD (85), COLD (50 cold
# credentials), PROFILES ("deployment sidecar"), IMAGE_JAVA (the JRE playing the image's: Temurin 25 at
# /usr/lib/jvm/temurin-25-jdk-amd64 when present, scripts/lib.sh), FOOTPRINT_SKIP_BUILD (1: use target/ as it is), BASELINE_JAR (an
# older jar: also measure the cache-hit throughput against it, started with BASELINE_FLAGS, in ROUNDS alternating
# rounds of SECONDS_PER_ROUND seconds, and print the same-run ratio).
# Installs wrk with apt when missing. Everything listens on 127.0.0.1 only and stops on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/lib.sh

DURATION=${DURATION:-300}
INTERVAL=${INTERVAL:-10}
CONNECTIONS=${CONNECTIONS:-64}
THRESHOLD=${THRESHOLD:-85}
COLD=${COLD:-50}
PROFILES=${PROFILES:-deployment sidecar}
JCMD="$(dirname "$(command -v "$IMAGE_JAVA")")/jcmd"

lib::need wrk wrk

work=$(lib::workdir footprint)
echo "footprint: logs and samples in $work"

if [[ "${FOOTPRINT_SKIP_BUILD:-0}" != 1 ]]; then
    echo "== building the jar and the test classes"
    lib::package
fi
lib::test_classpath "$work/test.cp"
lib::bare_classpath "$work/bare.args" "$work/bare-baseline.jar"
# What the bare app answers: a body the size of the broker's iam-token answer (an IAM access token is about 1 KB).
printf '{"access_token":"%s","token_type":"Bearer","expires_in":3600,"expiration":4102444800}' \
    "$(head -c 768 /dev/zero | base64 -w0)" >"$work/bench.body"

echo "== the image's layout and AOT cache (scripts/image-check.sh)"
IMAGE_JAVA=$IMAGE_JAVA IMAGE_CHECK_RUNS="" IMAGE_CHECK_WORK="$work/image-check" scripts/image-check.sh \
    | sed 's/^/   /'
app="$work/image-check/image/app"

# The commands, from where the image and the chart keep them (as image-check reads them).
lib::read_commands

echo "== upstreams (IAM simulator, BenchUpstreams) and vault"
lib::start_upstreams dev.tokenbroker.bench.BenchUpstreams "$work/upstreams.log" "$work/vault"
iam_url=$(lib::value "$work/upstreams.log" IAM_URL)

lib::client_key bench
client_key=$CLIENT_KEY
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
    lib::bench_caller_yaml
    cat <<YAML
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
declare -A peaks=()
port=28480
for profile in $PROFILES; do
    case "$profile" in
        deployment)
            command=("${IMAGE_COMMAND[@]}")
            limit=$(lib::chart_memory_mib resources)
            tool_options=$DEPLOYMENT_TOOL_OPTIONS
            spring_profile=default
            ;;
        sidecar)
            command=("${SIDECAR_COMMAND[@]}")
            limit=$(lib::chart_memory_mib sidecar)
            tool_options=$SIDECAR_TOOL_OPTIONS
            spring_profile=sidecar
            ;;
        bare)
            command=(java @jvm/sidecar.flags "@$work/bare.args" baseline.BareWebFluxApp
                --bench.body="$work/bench.body" --spring.main.banner-mode=off)
            limit=$(lib::chart_memory_mib sidecar)
            tool_options=$SIDECAR_TOOL_OPTIONS
            spring_profile=default
            ;;
        *)
            echo "footprint: unknown profile $profile (deployment, sidecar or bare)" >&2
            exit 2
            ;;
    esac
    command[0]=$IMAGE_JAVA
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
    lib::track "$pid"
    if [[ "$profile" == bare ]]; then
        ready=(lib::bare_answers "$url")
    else
        ready=(lib::readiness_up "$management")
    fi
    lib::wait_until 600 0.05 "$pid" "${ready[@]}" \
        || { tail -n 40 "$log" >&2; echo "footprint: $profile exited or was not ready in 600 s" >&2; exit 1; }
    ready_ms=$((($(date +%s%N) - started) / 1000000))
    rss_ready=$(mib "$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")")
    curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $client_key" "$url" \
        || { tail -n 40 "$log" >&2; echo "footprint: $profile does not serve the cache-hit path" >&2; exit 1; }
    echo "   ready in ${ready_ms} ms, RSS ${rss_ready} MiB; wrk -t2 -c$CONNECTIONS for ${DURATION} s"

    load_started=$(date +%s)
    jvm_uptime_at_load=$("$JCMD" "$pid" VM.uptime | awk 'NR == 2 {print int($1)}')
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" -s "$work/post.lua" "$url" >"$work/$profile-wrk.txt" 2>&1 &
    wrk_pid=$!
    lib::track "$wrk_pid"
    samples="$work/$profile-samples.txt"
    : >"$samples"
    burst_done=0
    peak_rss=0
    peak_nmt=""
    while kill -0 "$wrk_pid" 2>/dev/null; do
        sleep "$INTERVAL"
        kill -0 "$pid" 2>/dev/null || { tail -n 40 "$log" >&2; echo "footprint: $profile died under load" >&2; exit 1; }
        elapsed=$(($(date +%s) - load_started))
        if ((burst_done == 0 && elapsed >= DURATION / 2)) && [[ "$profile" != bare ]]; then
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
    lib::stop "$pid"

    percent=$((peak_rss * 100 / limit))
    sed 's/^/   /' "$samples"
    if [[ "$profile" == bare ]]; then
        cold="no cold burst (the floor: nothing to mint, no limit of its own)"
    else
        cold="cold burst $cold_ok/$((COLD * 8)) OK"
    fi
    line=$(printf '%-10s ready %5d ms | peak RSS %3d MiB of %3d MiB (%d%%, at most %d%%) | heap after GC: first minute %s MiB, last minute %s MiB (%d GCs) | %s req/s%s | %s' \
        "$profile" "$ready_ms" "$peak_rss" "$limit" "$percent" "$THRESHOLD" "$first_minute" "$last_minute" "$gcs" \
        "$rps" "${errors:+, $errors non-2xx}" "$cold")
    peaks[$profile]=$peak_rss
    summary+=("$line" "           NMT at the peak (committed MiB): $peak_nmt")
    if [[ "$profile" == bare ]]; then
        continue
    fi
    if ((peak_rss * 100 > THRESHOLD * limit)); then
        summary+=("           FAILED: peak RSS above ${THRESHOLD}% of the chart's limit")
        status=1
    fi
    if [[ -n "$errors" ]] || ((cold_ok != COLD * 8)); then
        summary+=("           FAILED: requests failed under load")
        status=1
    fi
done

if [[ -n "${peaks[sidecar]:-}" && -n "${peaks[bare]:-}" ]]; then
    summary+=("$(printf 'sidecar ÷ bare WebFlux app, peak RSS: %d ÷ %d MiB = %s' "${peaks[sidecar]}" "${peaks[bare]}" \
        "$(echo "scale=2; ${peaks[sidecar]} / ${peaks[bare]}" | bc)")")
fi

# BASELINE_JAR: the cache-hit throughput of the deployment profile against an older jar started as the image used to
# start it (BASELINE_FLAGS), both running at once, in alternating rounds: a same-run ratio.
if [[ -n "${BASELINE_JAR:-}" ]]; then
    read -r -a baseline_flags <<<"${BASELINE_FLAGS:--XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError}"
    limit=$(lib::chart_memory_mib resources)
    start_broker() { # NAME PORT FOLDER COMMAND...
        local name=$1 at=$2 folder=$3
        shift 3
        (
            cd "$folder"
            exec env SPRING_CONFIG_ADDITIONAL_LOCATION="file:$work/footprint.yaml" SERVER_PORT="$at" \
                MANAGEMENT_SERVER_PORT=$((at + 1)) SERVER_ADDRESS=127.0.0.1 JAVA_TOOL_OPTIONS="-XX:MaxRAM=${limit}m" "$@"
        ) >"$work/compare-$name.log" 2>&1 &
        lib::track $!
        until curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $client_key" \
            "http://127.0.0.1:$at/v1/credentials/wml-prod/iam-token" 2>/dev/null; do
            sleep 0.2
        done
    }
    command=("${IMAGE_COMMAND[@]}")
    command[0]=$IMAGE_JAVA
    start_broker new 28600 "$app" "${command[@]}"
    start_broker baseline 28610 "$work" "$IMAGE_JAVA" "${baseline_flags[@]}" -jar "$(cd "$ROOT" && realpath "$BASELINE_JAR")"
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
    summary+=("median ratio this/baseline: $(lib::median "${ratios[@]}")")
fi

echo "== footprint ($($IMAGE_JAVA -version 2>&1 | head -n 1), DURATION=${DURATION}s, wrk -t2 -c$CONNECTIONS)"
printf '%s\n' "${summary[@]}"
exit "$status"
