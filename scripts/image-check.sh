#!/usr/bin/env bash
# Checks the container image without a Docker engine (issue #8, "Must show" 3), from the jar the build made:
#
#   1. the Dockerfile extracts exactly the jar the Maven build makes (target/<finalName>.jar),
#   2. the layers extract with the Dockerfile's own command, and they are the four the Dockerfile copies,
#   3. the layers, copied into one folder in the Dockerfile's COPY order (the image's WORKDIR), with the
#      Dockerfile's class-data-sharing training run replayed there, start with the image's ENTRYPOINT, and
#      /actuator/health/readiness and /actuator/health/startup answer UP, with the application's classes loaded
#      from the archive; then again as the Helm chart's sidecar starts it (its command, JAVA_TOOL_OPTIONS, profile).
#
# It builds nothing: run `./mvnw -B package` (or verify) first. Exits non-zero on any failure. Prints one
# `image-check:` line per run with the time to ready and the resident set size at ready.
#
# Environment (all optional):
#   IMAGE_CHECK_JAR       the jar to check                      (default target/token-broker.jar)
#   IMAGE_CHECK_JAVA      the java binary that plays the image's JRE  (default: java on PATH)
#   IMAGE_CHECK_RUNS      runs to do, any of: image image-nocds sidecar sidecar-nocds sidecar-aot
#                         (default "image sidecar"; the others measure the same starts without the class
#                         data sharing archive, and with the JDK 24+ AOT cache instead, for docs/benchmarks.md)
#   IMAGE_CHECK_TIMEOUT   seconds to wait for readiness          (default 60)
#   IMAGE_CHECK_KEEP      1 keeps the work folder                (default: removed)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
JAR=${IMAGE_CHECK_JAR:-target/token-broker.jar}
JAVA_BIN=${IMAGE_CHECK_JAVA:-java}
RUNS=${IMAGE_CHECK_RUNS:-image sidecar}
TIMEOUT=${IMAGE_CHECK_TIMEOUT:-60}
DOCKERFILE=Dockerfile
VALUES=helm/token-broker/values.yaml
HELPERS=helm/token-broker/templates/_helpers.tpl
# What the chart gives each container (resources.limits.memory, sidecar.resources.limits.memory): the JVM
# sizes its heap from it in a container, so the runs here tell it the same with -XX:MaxRAM.
IMAGE_MAX_RAM=256m
SIDECAR_MAX_RAM=192m

fail() {
    echo "image-check: FAILED: $*" >&2
    exit 1
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/image-check.XXXXXX")
PID=""
cleanup() {
    if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then
        kill "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    if [[ "${IMAGE_CHECK_KEEP:-0}" != 1 ]]; then
        rm -rf "$WORK"
    else
        echo "image-check: work folder kept at $WORK"
    fi
}
trap cleanup EXIT

# --- 1. The jar the Dockerfile extracts is the one the build makes ------------------------------------------
[[ -f "$JAR" ]] || fail "$JAR not found: build it first (./mvnw -B package)"
final_name=$(sed -n 's:.*<finalName>\(.*\)</finalName>.*:\1:p' pom.xml | head -n 1)
[[ -n "$final_name" ]] || fail "pom.xml has no <finalName>"
built_jar="target/$final_name.jar"
[[ "$JAR" == "$built_jar" ]] || fail "checking $JAR, but the build makes $built_jar"
grep -Eq '^RUN .*\./mvnw .*package' "$DOCKERFILE" || fail "$DOCKERFILE does not build with './mvnw ... package'"
extract_line=$(grep -E '^RUN java -Djarmode=tools ' "$DOCKERFILE") || fail "$DOCKERFILE has no 'RUN java -Djarmode=tools' step"
[[ $(grep -c -E '^RUN java -Djarmode=tools ' "$DOCKERFILE") == 1 ]] || fail "$DOCKERFILE extracts more than one jar"
read -r -a extract_cmd <<<"${extract_line#RUN }"
docker_jar=""
for ((i = 0; i < ${#extract_cmd[@]} - 1; i++)); do
    [[ "${extract_cmd[i]}" == "-jar" ]] && docker_jar=${extract_cmd[i + 1]}
done
[[ "$docker_jar" == "$built_jar" ]] || fail "$DOCKERFILE extracts '$docker_jar', the build makes '$built_jar'"
[[ " ${extract_cmd[*]} " == *" --layers "* ]] || fail "$DOCKERFILE extract step lacks --layers"
echo "image-check: $DOCKERFILE extracts $docker_jar, the jar the build makes ($(du -h "$JAR" | cut -f1))"

# --- 2. The layers extract with the Dockerfile's command ------------------------------------------------------
# Replays the RUN step in a stand-in for the build stage's WORKDIR (/workspace), with the jar at the same place.
mkdir -p "$WORK/workspace/target"
cp "$JAR" "$WORK/workspace/$built_jar"
extract_cmd[0]=$JAVA_BIN
(cd "$WORK/workspace" && "${extract_cmd[@]}" >"$WORK/extract.log" 2>&1) || {
    cat "$WORK/extract.log" >&2
    fail "layer extraction failed"
}
destination=${extract_cmd[${#extract_cmd[@]} - 1]}
extracted="$WORK/workspace/$destination"
expected_layers="application dependencies snapshot-dependencies spring-boot-loader"
found_layers=$(cd "$extracted" && ls -1 | sort | tr '\n' ' ' | sed 's/ $//')
[[ "$found_layers" == "$expected_layers" ]] || fail "extracted layers are '$found_layers', expected '$expected_layers'"
# The final stage copies each layer, in this order, into its WORKDIR.
mapfile -t copied < <(sed -n "s:^COPY --from=build /workspace/$destination/\([a-z-]*\)/ \./\$:\1:p" "$DOCKERFILE")
[[ $(printf '%s\n' "${copied[@]}" | sort | tr '\n' ' ' | sed 's/ $//') == "$expected_layers" ]] \
    || fail "$DOCKERFILE copies layers '${copied[*]}', expected each of '$expected_layers' once"
workdir=$(grep -E '^WORKDIR ' "$DOCKERFILE" | tail -n 1 | cut -d' ' -f2)
[[ "$workdir" == /* ]] || fail "$DOCKERFILE final WORKDIR '$workdir' is not absolute"
APP="$WORK/image$workdir"
mkdir -p "$APP"
for layer in "${copied[@]}"; do
    cp -a "$extracted/$layer/." "$APP/"
done
echo "image-check: layers ${copied[*]} extracted and copied to $workdir as the Dockerfile does"

# The final stage's training runs (RUN java ..., continuation lines joined), replayed in the same folder.
final_stage=$(awk '/^FROM /{stage=""} {stage=stage $0 "\n"} END{printf "%s", stage}' "$DOCKERFILE")
mapfile -t training < <(sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta' <<<"$final_stage" | sed -n 's/^RUN \(java .*\)$/\1/p')
for line in "${training[@]}"; do
    read -r -a train_cmd <<<"$line"
    train_cmd[0]=$JAVA_BIN
    (cd "$APP" && "${train_cmd[@]}" >"$WORK/training.log" 2>&1) || {
        tail -n 40 "$WORK/training.log" >&2
        fail "the Dockerfile's training run failed: $line"
    }
done
echo "image-check: ${#training[@]} training run(s) of the final stage replayed in $workdir"

# --- 3. The extracted application starts as the image (and the chart's sidecar) would start it ---------------
entrypoint_json=$(grep -E '^ENTRYPOINT \[' "$DOCKERFILE" | tail -n 1 | sed 's/^ENTRYPOINT \[\(.*\)\][[:space:]]*$/\1/')
[[ -n "$entrypoint_json" ]] || fail "$DOCKERFILE has no exec-form ENTRYPOINT"
mapfile -t ENTRYPOINT < <(tr ',' '\n' <<<"$entrypoint_json" | sed 's/^[[:space:]]*"//; s/"[[:space:]]*$//')
[[ "${ENTRYPOINT[0]}" == java ]] || fail "ENTRYPOINT does not start with java"
mapfile -t SIDECAR_COMMAND < <(sed -n '/define "token-broker.sidecar"/,/^  env:/p' "$HELPERS" \
    | sed -n 's/^    - \(.*\)$/\1/p')
[[ "${SIDECAR_COMMAND[0]:-}" == java ]] || fail "cannot read the sidecar command from $HELPERS"
SIDECAR_JAVA_TOOL_OPTIONS=$(sed -n '/^sidecar:/,/^[a-z]/s/^  javaToolOptions: "\(.*\)"$/\1/p' "$VALUES")
[[ -n "$SIDECAR_JAVA_TOOL_OPTIONS" ]] || fail "cannot read sidecar.javaToolOptions from $VALUES"

mkdir -p "$WORK/vault" "$WORK/config" "$WORK/tmp"
# No credentials: readiness needs only a readable vault, and nothing calls IAM.
cat >"$WORK/config/application.yaml" <<EOF
tokenbroker:
  vault:
    type: file
    file:
      directory: $WORK/vault
EOF

free_port() {
    local port
    while true; do
        port=$((20000 + RANDOM % 20000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

# start NAME FOLDER JAVA_TOOL_OPTIONS PROFILE COMMAND... : starts the broker in FOLDER, waits for readiness, prints
# the result line, stops it.
start() {
    local name=$1 folder=$2 tool_options=$3 profile=$4
    shift 4
    local command=("$@")
    command[0]=$JAVA_BIN
    local port management log=$WORK/$name.log
    port=$(free_port)
    management=$(free_port)
    [[ "$management" != "$port" ]] || management=$((port + 1))
    local started_ns ready_ns
    started_ns=$(date +%s%N)
    (
        cd "$folder"
        exec env SPRING_CONFIG_ADDITIONAL_LOCATION="file:$WORK/config/" SPRING_PROFILES_ACTIVE="$profile" \
            SERVER_PORT="$port" MANAGEMENT_SERVER_PORT="$management" \
            JAVA_TOOL_OPTIONS="$tool_options -Xlog:class+load=info:file=$WORK/$name-classes.log" \
            "${command[@]}"
    ) >"$log" 2>&1 &
    PID=$!
    local deadline=$((SECONDS + TIMEOUT))
    until curl -fsS --max-time 2 "http://127.0.0.1:$management/actuator/health/readiness" 2>/dev/null \
        | grep -q '"status":"UP"'; do
        if ! kill -0 "$PID" 2>/dev/null; then
            tail -n 40 "$log" >&2
            fail "$name: the broker exited before it was ready"
        fi
        if ((SECONDS >= deadline)); then
            tail -n 40 "$log" >&2
            fail "$name: /actuator/health/readiness not UP within ${TIMEOUT}s"
        fi
        sleep 0.05
    done
    ready_ns=$(date +%s%N)
    local rss_kb
    rss_kb=$(ps -o rss= -p "$PID" | tr -d ' ')
    curl -fsS --max-time 2 "http://127.0.0.1:$management/actuator/health/startup" | grep -q '"status":"UP"' \
        || fail "$name: /actuator/health/startup is not UP"
    # With an archive, the application's own classes must come from it (a JVM that cannot map it says nothing).
    local archived
    archived=$(grep -c 'source: shared objects file' "$WORK/$name-classes.log" || true)
    if [[ " ${command[*]} " == *" -XX:SharedArchiveFile="* || " ${command[*]} " == *" -XX:AOTCache="* ]]; then
        grep -q 'dev.tokenbroker.TokenBrokerApplication source: shared objects file' "$WORK/$name-classes.log" \
            || fail "$name: the application's classes were not loaded from the archive"
    fi
    local started_line
    started_line=$(grep -o 'Started TokenBrokerApplication in [0-9.]* seconds' "$log" | head -n 1 || true)
    kill "$PID"
    wait "$PID" 2>/dev/null || true
    PID=""
    printf 'image-check: %-13s java=%s ready_ms=%d rss_mib=%d archived_classes=%d (%s)\n' "$name" "$java_version" \
        $(((ready_ns - started_ns) / 1000000)) $((rss_kb / 1024)) "$archived" "${started_line:-no start line}"
}

java_version=$("$JAVA_BIN" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.version = //p')

# train_aot: a JDK 24+ AOT cache training run of the sidecar, in the image layout.
train_aot() {
    (
        cd "$APP"
        env SPRING_CONFIG_ADDITIONAL_LOCATION="file:$WORK/config/" SPRING_PROFILES_ACTIVE=sidecar \
            SERVER_PORT=0 MANAGEMENT_SERVER_PORT=0 JAVA_TOOL_OPTIONS="$SIDECAR_TOOL_OPTIONS" \
            "$JAVA_BIN" "-XX:AOTCacheOutput=$WORK/app.aot" -Dspring.context.exit=onRefresh -jar "$final_name.jar"
    ) >"$WORK/aot-training.log" 2>&1 || {
        tail -n 40 "$WORK/aot-training.log" >&2
        fail "sidecar-aot: training run failed"
    }
}

# without_cds COMMAND... : the command without its -XX:SharedArchiveFile flag.
without_cds() {
    local argument
    for argument in "$@"; do
        [[ "$argument" == -XX:SharedArchiveFile=* ]] || printf '%s\n' "$argument"
    done
}

SIDECAR_TOOL_OPTIONS="-XX:MaxRAM=$SIDECAR_MAX_RAM $SIDECAR_JAVA_TOOL_OPTIONS"
for run in $RUNS; do
    case "$run" in
        image)
            start image "$APP" "-XX:MaxRAM=$IMAGE_MAX_RAM" default "${ENTRYPOINT[@]}"
            ;;
        image-nocds)
            mapfile -t command < <(without_cds "${ENTRYPOINT[@]}")
            start image-nocds "$APP" "-XX:MaxRAM=$IMAGE_MAX_RAM" default "${command[@]}"
            ;;
        sidecar)
            start sidecar "$APP" "$SIDECAR_TOOL_OPTIONS" sidecar "${SIDECAR_COMMAND[@]}"
            ;;
        sidecar-nocds)
            mapfile -t command < <(without_cds "${SIDECAR_COMMAND[@]}")
            start sidecar-nocds "$APP" "$SIDECAR_TOOL_OPTIONS" sidecar "${command[@]}"
            ;;
        sidecar-aot)
            train_aot
            mapfile -t command < <(without_cds "${SIDECAR_COMMAND[@]}")
            command=("${command[0]}" "-XX:AOTCache=$WORK/app.aot" "${command[@]:1}")
            start sidecar-aot "$APP" "$SIDECAR_TOOL_OPTIONS" sidecar "${command[@]}"
            ;;
        *)
            fail "unknown run '$run' (expected image, image-nocds, sidecar, sidecar-nocds or sidecar-aot)"
            ;;
    esac
done
echo "image-check: OK"
