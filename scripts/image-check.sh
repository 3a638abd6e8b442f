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
#   4. the jar holds no Jackson 2, springdoc, swagger or Bean Validation jar, and no Jackson 2 class is loaded at
#      ready; with the file vault, the shared tier off and no Spring Boot Admin URL (as here), no class of
#      Redis/Lettuce, Spring Vault, the SBA client, springdoc or Bean Validation is loaded at ready either (AOT cache
#      included: the JVM loads all of its classes),
#   5. (run sidecar-ready) the sidecar's time to ready as the kubelet sees it: READY_STARTS starts as the chart starts
#      it, each with a credential and a file sink against the IAM simulator (scripts/lib.sh, BenchUpstreams: needs the
#      test classes), from launch until /actuator/health/startup is UP, which needs the sink written; prints each and
#      the median (DESIGN §10: ready in 1 s).
#
# It builds nothing: run `./mvnw -B package` (or verify) first. Exits non-zero on any failure. Prints one
# `image-check:` line per run with the time to ready and the resident set size at ready.
#
# Environment (all optional):
#   IMAGE_CHECK_JAR       the jar to check                      (default target/token-broker.jar)
#   IMAGE_JAVA            the java binary that plays the image's JRE, Temurin 25 like the image's
#                         (default /usr/lib/jvm/temurin-25-jdk-amd64/bin/java when present, else java on PATH;
#                         scripts/lib.sh)
#   IMAGE_CHECK_RUNS      runs to do, any of: image image-noaot image-badaot sidecar sidecar-noaot sidecar-ready
#                         bare-ready (the floor under sidecar-ready: the bare WebFlux app with the sidecar's flags
#                         and its own AOT cache, time to its first answer; not run by default)
#                         (default "image image-badaot sidecar sidecar-ready"; -noaot measures the same start without
#                         the AOT cache, -badaot starts with a cache the JVM cannot map; "" only builds the layout)
#   READY_STARTS          starts of the sidecar-ready run         (default 10)
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
RUNS=${IMAGE_CHECK_RUNS-image image-badaot sidecar sidecar-ready}
READY_STARTS=${READY_STARTS:-10}
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
unwanted=$(ls "$APP/lib" | grep -E '^(jackson-(core|databind|dataformat-[a-z]*|datatype-[a-z0-9]*)-2\.|springdoc-|swagger-|hibernate-validator-|jakarta\.validation-api-)' || true)
[[ -z "$unwanted" ]] || fail "the jar holds jars the runtime does not need: $(tr '\n' ' ' <<<"$unwanted")"
echo "image-check: no Jackson 2, springdoc, swagger or Bean Validation jar in $workdir/lib ($(ls "$APP/lib" | wc -l) jars)"

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
    # Load only what is used (dev.tokenbroker.UnusedAutoConfigurations): none of these with this configuration.
    local unused
    unused=$( (grep -oE "$UNUSED_CLASSES" "$WORK/$name-classes.log" || true) | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')
    [[ -z "$unused" ]] || fail "$name: classes of unused features were loaded: ${unused%, }"
    by_package "$WORK/$name-classes.log" >"$WORK/$name-packages.txt"
    local loaded
    loaded=$(wc -l <"$WORK/$name-classes.log")
    local started_line
    started_line=$(grep -o 'Started TokenBrokerApplication in [0-9.]* seconds' "$log" | head -n 1 || true)
    lib::stop "$PID"
    printf 'image-check: %-13s java=%s ready_ms=%d rss_mib=%d loaded_classes=%d archived_classes=%d (%s)\n' "$name" \
        "$java_version" $(((ready_ns - started_ns) / 1000000)) $((rss_kb / 1024)) "$loaded" "$archived" \
        "${started_line:-no start line}"
    printf 'image-check: %-13s classes by package: %s\n' "$name" \
        "$(head -n 12 "$WORK/$name-packages.txt" | awk '{printf "%s %s, ", $2, $1}' | sed 's/, $//')"
}

java_version=$("$JAVA_BIN" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.version = //p')

# What the broker loads nothing of, with the file vault, the shared tier off and no Spring Boot Admin URL.
UNUSED_CLASSES=' (io\.lettuce|org\.springframework\.data\.redis|org\.springframework\.vault|de\.codecentric\.boot\.admin\.client|org\.springdoc|org\.hibernate\.validator|jakarta\.validation)\.'

# by_package CLASS_LOG: loaded classes per top-level package (the JDK's java, javax, jdk, sun and com.sun as one),
# most first: "count package" lines.
by_package() {
    sed -n 's/.*\[class,load\] \([^ ]*\) source.*/\1/p' "$1" | awk -F. '
        { group = $1 "." $2 }
        $1 == "java" || $1 == "javax" || $1 == "jdk" || $1 == "sun" || ($1 == "com" && $2 == "sun") { group = "JDK" }
        { count[group]++ }
        END { for (group in count) printf "%d %s\n", count[group], group }' | sort -rn
}

startup_up() {
    curl -fsS --max-time 2 "http://127.0.0.1:$1/actuator/health/startup" 2>/dev/null | grep -q '"status":"UP"'
}

# sidecar_ready: READY_STARTS starts of the sidecar as the chart starts it (its command, JAVA_TOOL_OPTIONS, profile and
# memory limit), each with one credential and one file sink whose token the IAM simulator mints; the time from launch
# until the startup probe's /actuator/health/startup is UP (every sink written once, DESIGN §6), and the median.
sidecar_ready() {
    lib::test_classpath "$WORK/test.cp"
    lib::start_upstreams dev.tokenbroker.bench.BenchUpstreams "$WORK/upstreams.log" "$WORK/ready-vault"
    local iam_url
    iam_url=$(lib::value "$WORK/upstreams.log" IAM_URL)
    mkdir -p "$WORK/ready-config" "$WORK/ready-sinks"
    cat >"$WORK/ready-config/application.yaml" <<EOF
tokenbroker:
  vault:
    type: file
    file:
      directory: $WORK/ready-vault
  iam:
    url: $iam_url
  credentials:
    wml-prod: { type: iam-apikey, secret: wml-prod }
  sinks:
    - { credential: wml-prod, path: $WORK/ready-sinks/wml-prod.token, format: raw }
EOF
    local command=("${SIDECAR_COMMAND[@]}") times=() i port management started_ns ready_ms pid waited log
    command[0]=$JAVA_BIN
    for i in $(seq 1 "$READY_STARTS"); do
        rm -f "$WORK/ready-sinks/wml-prod.token"
        port=$(free_port)
        management=$(free_port)
        [[ "$management" != "$port" ]] || management=$((port + 1))
        log=$WORK/sidecar-ready-$i.log
        started_ns=$(date +%s%N)
        (
            cd "$APP"
            exec env SPRING_CONFIG_ADDITIONAL_LOCATION="file:$WORK/ready-config/" SPRING_PROFILES_ACTIVE=sidecar \
                SERVER_PORT="$port" MANAGEMENT_SERVER_PORT="$management" JAVA_TOOL_OPTIONS="$SIDECAR_OPTIONS" \
                "${command[@]}"
        ) >"$log" 2>&1 &
        pid=$!
        lib::track "$pid"
        waited=0
        lib::wait_until "$TIMEOUT" 0.02 "$pid" startup_up "$management" || waited=$?
        ready_ms=$((($(date +%s%N) - started_ns) / 1000000))
        if ((waited != 0)); then
            tail -n 40 "$log" >&2
            fail "sidecar-ready: start $i: /actuator/health/startup not UP within ${TIMEOUT}s"
        fi
        [[ -s "$WORK/ready-sinks/wml-prod.token" ]] || fail "sidecar-ready: start $i: startup UP before the sink was written"
        lib::stop "$pid"
        times+=("$ready_ms")
    done
    printf 'image-check: sidecar-ready java=%s starts=%d ready_ms=%s median_ms=%s (startup UP, sink written)\n' \
        "$java_version" "$READY_STARTS" "$(tr ' ' ',' <<<"${times[*]}")" "$(lib::median "${times[@]}")"
}

# bare_ready: the floor under the sidecar's time to ready: the bench's bare Spring Boot WebFlux app (one route, nothing
# else: footprint.sh's profile bare) with the sidecar's flags and limit and an AOT cache trained on its own start and
# 200 requests, READY_STARTS starts timed from launch to its first answer, and their median.
bare_ready() {
    lib::bare_classpath "$WORK/bare.args" "$WORK/bare-baseline.jar"
    printf '{"access_token":"floor"}' >"$WORK/bare.body"
    local port url pid times=() i started_ns waited
    port=$(free_port)
    url="http://127.0.0.1:$port/v1/credentials/floor/iam-token"
    start_bare() { # AOT_FLAG: starts the bare app in the background (PID)
        (
            cd "$APP"
            exec env JAVA_TOOL_OPTIONS="$SIDECAR_OPTIONS" "$JAVA_BIN" "$1" @jvm/sidecar.flags "@$WORK/bare.args" \
                baseline.BareWebFluxApp --bench.body="$WORK/bare.body" --server.port="$port" \
                --spring.main.banner-mode=off
        ) >"$WORK/bare-ready.log" 2>&1 &
        pid=$!
        lib::track "$pid"
    }
    start_bare "-XX:AOTCacheOutput=$WORK/bare.aot"
    lib::wait_until "$TIMEOUT" 0.1 "$pid" lib::bare_answers "$url" || fail "bare-ready: the training run did not answer"
    for i in $(seq 1 200); do lib::bare_answers "$url"; done
    lib::stop "$pid"
    lib::wait_until 120 0.5 "" test -s "$WORK/bare.aot" || fail "bare-ready: no AOT cache written"
    for i in $(seq 1 "$READY_STARTS"); do
        started_ns=$(date +%s%N)
        start_bare "-XX:AOTCache=$WORK/bare.aot"
        waited=0
        lib::wait_until "$TIMEOUT" 0.02 "$pid" lib::bare_answers "$url" || waited=$?
        ((waited == 0)) || { tail -n 40 "$WORK/bare-ready.log" >&2; fail "bare-ready: start $i did not answer"; }
        times+=($((($(date +%s%N) - started_ns) / 1000000)))
        lib::stop "$pid"
    done
    printf 'image-check: bare-ready    java=%s starts=%d ready_ms=%s median_ms=%s (the bare WebFlux app, first answer)\n' \
        "$java_version" "$READY_STARTS" "$(tr ' ' ',' <<<"${times[*]}")" "$(lib::median "${times[@]}")"
}

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
        sidecar-ready)
            sidecar_ready
            ;;
        bare-ready)
            bare_ready
            ;;
        *)
            fail "unknown run '$run' (expected image, image-noaot, image-badaot, sidecar, sidecar-noaot, sidecar-ready or bare-ready)"
            ;;
    esac
done
echo "image-check: OK"
