#!/usr/bin/env bash
# Checks the container image without a Docker engine (issue #8, "Must show" 3), from the jar the build made:
#
#   1. the Dockerfile extracts exactly the jar the Maven build makes (target/<finalName>.jar),
#   2. the layers extract with the Dockerfile's own command, and they are the four the Dockerfile copies,
#   3. the layers, copied into one folder in the Dockerfile's COPY order (the image's WORKDIR) with the JVM flags
#      files (src/main/jvm) beside them and the Dockerfile's AOT cache training run replayed there, start with the
#      image's ENTRYPOINT, and /actuator/health/readiness and /actuator/health/startup answer UP, with the
#      application's classes loaded from the AOT cache; then again as the Helm chart's sidecar starts it (its
#      command, JAVA_TOOL_OPTIONS, profile), and once with a cache the JVM cannot map (it must start without it),
#   4. the jar holds no Jackson 2, springdoc or swagger jar, and no Jackson 2 class is loaded at ready.
#
# It builds nothing: run `./mvnw -B package` (or verify) first. Exits non-zero on any failure. Prints one
# `image-check:` line per run with the time to ready and the resident set size at ready.
#
# Environment (all optional):
#   IMAGE_CHECK_JAR       the jar to check                      (default target/token-broker.jar)
#   IMAGE_JAVA            the java binary that plays the image's JRE, Temurin 25 like the image's
#                         (default /usr/lib/jvm/temurin-25-jdk-amd64/bin/java when present, else java on PATH;
#                         scripts/lib.sh)
#   IMAGE_CHECK_RUNS      runs to do, any of: image image-noaot image-badaot sidecar sidecar-noaot
#                         (default "image image-badaot sidecar"; -noaot measures the same start without the AOT
#                         cache, -badaot starts with a cache the JVM cannot map; "" only builds the layout)
#   IMAGE_CHECK_TIMEOUT   seconds to wait for readiness          (default 60)
#   IMAGE_CHECK_KEEP      1 keeps the work folder                (default: removed)
#   IMAGE_CHECK_WORK      the work folder to use (kept; default a new temporary folder); the image's WORKDIR is
#                         replayed in $IMAGE_CHECK_WORK/image/app (scripts/footprint.sh runs the broker there)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/lib.sh
JAR=${IMAGE_CHECK_JAR:-target/token-broker.jar}
JAVA_BIN=$IMAGE_JAVA
RUNS=${IMAGE_CHECK_RUNS-image image-badaot sidecar}
TIMEOUT=${IMAGE_CHECK_TIMEOUT:-60}
DOCKERFILE=Dockerfile
VALUES=helm/token-broker/values.yaml
# What the chart gives each container (resources.limits.memory, sidecar.resources.limits.memory): the JVM
# sizes itself from it in a container, so the runs here tell it the same with -XX:MaxRAM.
IMAGE_MAX_RAM="$(lib::chart_memory_mib resources)m"
SIDECAR_MAX_RAM="$(lib::chart_memory_mib sidecar)m"

fail() { lib::fail "$@"; }

if [[ -n "${IMAGE_CHECK_WORK:-}" ]]; then
    WORK=$IMAGE_CHECK_WORK
    rm -rf "$WORK"
    mkdir -p "$WORK"
    IMAGE_CHECK_KEEP=1
else
    WORK=$(lib::workdir image-check)
fi
if [[ "${IMAGE_CHECK_KEEP:-0}" != 1 ]]; then
    lib::on_exit 'rm -rf "$WORK"'
else
    lib::on_exit 'echo "image-check: work folder kept at $WORK"'
fi

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

# --- 4. No second Jackson, no springdoc, in the jar ----------------------------------------------------------
unwanted=$(ls "$APP/lib" | grep -E '^(jackson-(core|databind|dataformat-[a-z]*|datatype-[a-z0-9]*)-2\.|springdoc-|swagger-)' || true)
[[ -z "$unwanted" ]] || fail "the jar holds jars the runtime does not need: $(tr '\n' ' ' <<<"$unwanted")"
echo "image-check: no Jackson 2, springdoc or swagger jar in $workdir/lib ($(ls "$APP/lib" | wc -l) jars)"

# The JVM flags files the final stage copies (COPY --from=build /workspace/src/main/jvm/ ./jvm/).
flags_copy=$(grep -E '^COPY --from=build /workspace/src/main/jvm/ \./jvm/$' "$DOCKERFILE") \
    || fail "$DOCKERFILE does not copy src/main/jvm/ to ./jvm/"
mkdir -p "$APP/jvm"
cp -a src/main/jvm/. "$APP/jvm/"
echo "image-check: $flags_copy"

# The final stage's training run (RUN bash jvm/aot-training.sh), replayed in the same folder with the JRE under test.
final_stage=$(awk '/^FROM /{stage=""} {stage=stage $0 "\n"} END{printf "%s", stage}' "$DOCKERFILE")
mapfile -t training < <(sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta' <<<"$final_stage" | sed -n 's/^RUN \(bash jvm\/.*\)$/\1/p')
[[ ${#training[@]} -ge 1 ]] || fail "$DOCKERFILE's final stage has no training run (RUN bash jvm/...)"
java_dir=$(dirname "$(command -v "$JAVA_BIN")")
for line in "${training[@]}"; do
    read -r -a train_cmd <<<"$line"
    (cd "$APP" && PATH="$java_dir:$PATH" TRAINING_PORT=$((20000 + RANDOM % 20000)) "${train_cmd[@]}" \
        >"$WORK/training.log" 2>&1) || {
        tail -n 40 "$WORK/training.log" >&2
        fail "the Dockerfile's training run failed: $line"
    }
done
[[ -s "$APP/app.aot" ]] || fail "the training run wrote no app.aot"
echo "image-check: training run replayed in $workdir: $(tail -n 1 "$WORK/training.log")"

# --- 3. The extracted application starts as the image (and the chart's sidecar) would start it ---------------
lib::read_commands
ENTRYPOINT=("${IMAGE_COMMAND[@]}")
[[ "${ENTRYPOINT[0]}" == java ]] || fail "ENTRYPOINT does not start with java"
for flags in "${ENTRYPOINT[@]}" "${SIDECAR_COMMAND[@]}"; do
    if [[ "$flags" == @* ]]; then
        [[ -f "$APP/${flags#@}" ]] || fail "the java argument file $flags is not in the image"
    fi
done

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
    lib::track "$PID"
    local waited=0
    lib::wait_until "$TIMEOUT" 0.05 "$PID" lib::readiness_up "$management" || waited=$?
    if ((waited == 2)); then
        tail -n 40 "$log" >&2
        fail "$name: the broker exited before it was ready"
    elif ((waited != 0)); then
        tail -n 40 "$log" >&2
        fail "$name: /actuator/health/readiness not UP within ${TIMEOUT}s"
    fi
    ready_ns=$(date +%s%N)
    local rss_kb
    rss_kb=$(ps -o rss= -p "$PID" | tr -d ' ')
    curl -fsS --max-time 2 "http://127.0.0.1:$management/actuator/health/startup" | grep -q '"status":"UP"' \
        || fail "$name: /actuator/health/startup is not UP"
    # With the AOT cache, the application's own classes must come from it; with a cache the JVM cannot map, it
    # must have started without it.
    local archived
    archived=$(grep -c 'source: shared objects file' "$WORK/$name-classes.log" || true)
    if [[ "$name" == *-badaot ]]; then
        ! grep -q 'dev.tokenbroker.TokenBrokerApplication source: shared objects file' "$WORK/$name-classes.log" \
            || fail "$name: the application's classes came from a cache the JVM should not have mapped"
    elif [[ " ${command[*]} " == *" -XX:AOTCache="* ]]; then
        grep -q 'dev.tokenbroker.TokenBrokerApplication source: shared objects file' "$WORK/$name-classes.log" \
            || fail "$name: the application's classes were not loaded from the AOT cache"
    fi
    # Jackson 3 keeps Jackson 2's annotations package (com.fasterxml.jackson.annotation); nothing else of Jackson 2.
    if grep -Eq ' com\.fasterxml\.jackson\.(core|databind|dataformat|datatype)\.' "$WORK/$name-classes.log"; then
        fail "$name: Jackson 2 classes were loaded"
    fi
    local loaded
    loaded=$(wc -l <"$WORK/$name-classes.log")
    local started_line
    started_line=$(grep -o 'Started TokenBrokerApplication in [0-9.]* seconds' "$log" | head -n 1 || true)
    lib::stop "$PID"
    printf 'image-check: %-13s java=%s ready_ms=%d rss_mib=%d loaded_classes=%d archived_classes=%d (%s)\n' "$name" \
        "$java_version" $(((ready_ns - started_ns) / 1000000)) $((rss_kb / 1024)) "$loaded" "$archived" \
        "${started_line:-no start line}"
}

java_version=$("$JAVA_BIN" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.version = //p')

# without_aot COMMAND... : the command without its -XX:AOTCache flag.
without_aot() {
    local argument
    for argument in "$@"; do
        [[ "$argument" == -XX:AOTCache=* ]] || printf '%s\n' "$argument"
    done
}

# bad_aot COMMAND... : the command with its AOT cache replaced by a damaged copy (a JVM that cannot map it).
bad_aot() {
    head -c 1048576 "$APP/app.aot" >"$WORK/damaged.aot"
    local argument
    for argument in "$@"; do
        if [[ "$argument" == -XX:AOTCache=* ]]; then
            printf '%s\n' "-XX:AOTCache=$WORK/damaged.aot"
        else
            printf '%s\n' "$argument"
        fi
    done
}

SIDECAR_OPTIONS="-XX:MaxRAM=$SIDECAR_MAX_RAM $SIDECAR_TOOL_OPTIONS"
for run in $RUNS; do
    case "$run" in
        image)
            start image "$APP" "-XX:MaxRAM=$IMAGE_MAX_RAM" default "${ENTRYPOINT[@]}"
            ;;
        image-noaot)
            mapfile -t command < <(without_aot "${ENTRYPOINT[@]}")
            start image-noaot "$APP" "-XX:MaxRAM=$IMAGE_MAX_RAM" default "${command[@]}"
            ;;
        image-badaot)
            mapfile -t command < <(bad_aot "${ENTRYPOINT[@]}")
            start image-badaot "$APP" "-XX:MaxRAM=$IMAGE_MAX_RAM" default "${command[@]}"
            ;;
        sidecar)
            start sidecar "$APP" "$SIDECAR_OPTIONS" sidecar "${SIDECAR_COMMAND[@]}"
            ;;
        sidecar-noaot)
            mapfile -t command < <(without_aot "${SIDECAR_COMMAND[@]}")
            start sidecar-noaot "$APP" "$SIDECAR_OPTIONS" sidecar "${command[@]}"
            ;;
        *)
            fail "unknown run '$run' (expected image, image-noaot, image-badaot, sidecar or sidecar-noaot)"
            ;;
    esac
done
echo "image-check: OK"
