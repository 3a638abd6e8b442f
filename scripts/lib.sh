# shellcheck shell=bash
# What the scripts share, sourced from the repository root after `cd`: `source scripts/lib.sh`. Defines functions
# (lib::…) and a few variables; runs nothing but an EXIT trap that stops what lib::track was given. Changes no shell
# option: the scripts set their own (set -euo pipefail).
#
#   IMAGE_JAVA                the java that plays the image's runtime (Temurin 25, whose AOT cache the image ships):
#                             the environment's IMAGE_JAVA, else the Temurin 25 JDK where its Debian package puts
#                             it, else the java on the PATH
#   lib::fail MESSAGE…        prints "<script>: FAILED: MESSAGE" on stderr and exits 1
#   lib::need CMD DEB [BREW]  installs the Debian package DEB with apt when CMD is missing (as root on Debian), or
#                             fails saying how (brew install BREW on macOS)
#   lib::workdir NAME         prints a new folder ${TMPDIR:-/tmp}/token-broker-NAME.XXXXXX
#   lib::track PID…           stops these processes (SIGTERM) when the script exits; lib::track_group for a process
#                             group started with setsid; lib::on_exit 'COMMAND' runs COMMAND then too
#   lib::stop PID             stops a tracked process now (SIGTERM), waits for it, and forgets it
#   lib::package              ./mvnw -B -q $MAVEN_FLAGS -DskipTests package: the jar and the test classes
#   lib::test_classpath FILE  the test class path (dependency:build-classpath, Maven offline first) into FILE
#   lib::client_key ID        a new client key from the jar's generate-client-key: sets CLIENT_KEY (tbk_…) and
#                             CLIENT_HASH (sha256:…, the value to configure)
#   lib::start_upstreams CLASS LOG ARGS…  java -cp target/test-classes:<test class path> CLASS ARGS > LOG, tracked,
#                             then waits for its IAM_URL= line (needs lib::test_classpath "$LIB_TEST_CP" first)
#   lib::wait_for_line FILE REGEX SECONDS [PID]  until a line of FILE matches (grep -E), PID (when given) is gone, or
#                             SECONDS pass; status 0, 2 (gone) or 1 (time)
#   lib::wait_until SECONDS INTERVAL PID COMMAND…  runs COMMAND every INTERVAL seconds until it succeeds (0), PID
#                             ("" for none) is gone (2) or SECONDS pass (1)
#   lib::readiness_up PORT    whether http://127.0.0.1:PORT/actuator/health/readiness says UP
#   lib::value FILE KEY       the value of the last KEY=value line of FILE
#   lib::chart_memory_mib resources|sidecar  the chart's limits.memory of that container, in Mi (values.yaml)
#   lib::read_commands        sets IMAGE_COMMAND (the Dockerfile's ENTRYPOINT), SIDECAR_COMMAND (the chart's sidecar
#                             command), DEPLOYMENT_TOOL_OPTIONS and SIDECAR_TOOL_OPTIONS (values.yaml javaToolOptions)
#   lib::bench_caller_yaml    the callers: block (under tokenbroker:) of a benchmark's configuration: the client key
#                             "bench" from lib::client_key, without a rate limit
#   lib::median N…            the median of the numbers (the mean of the middle two for an even count)

LIB_VALUES=helm/token-broker/values.yaml
LIB_HELPERS=helm/token-broker/templates/_helpers.tpl
LIB_TEMURIN_25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
if [[ -z "${IMAGE_JAVA:-}" ]]; then
  if [[ -x "$LIB_TEMURIN_25" ]]; then IMAGE_JAVA=$LIB_TEMURIN_25; else IMAGE_JAVA=java; fi
fi
# The flags files (src/main/jvm/*.flags) are the image runtime's (Temurin 25: compact object headers); another JVM
# skips what it does not know. Put before the flags file on a command line.
LIB_JVM_COMPAT=()
[[ "$IMAGE_JAVA" == "$LIB_TEMURIN_25" ]] || LIB_JVM_COMPAT=(-XX:+IgnoreUnrecognizedVMOptions)

lib::fail() {
  echo "$(basename "$0" .sh): FAILED: $*" >&2
  exit 1
}

lib::need() {
  command -v "$1" >/dev/null && return 0
  if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
    echo "installing $2 (apt-get) for $1" >&2
    apt-get update -qq && apt-get install -y -qq "$2" >/dev/null && command -v "$1" >/dev/null && return 0
  fi
  if [[ "$(uname -s)" == Darwin ]]; then
    lib::fail "$1 is missing: brew install ${3:-$2}"
  fi
  lib::fail "$1 is missing: apt-get install -y $2 (Debian's package)"
}

lib::workdir() {
  mktemp -d "${TMPDIR:-/tmp}/token-broker-$1.XXXXXX"
}

LIB_PIDS=()
LIB_GROUPS=()
LIB_ON_EXIT=()
lib::track() { LIB_PIDS+=("$@"); }
lib::track_group() { LIB_GROUPS+=("$@"); }
lib::on_exit() { LIB_ON_EXIT+=("$1"); }
lib::stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local kept=() pid
  for pid in "${LIB_PIDS[@]}"; do [[ "$pid" == "$1" ]] || kept+=("$pid"); done
  LIB_PIDS=("${kept[@]}")
}
lib::cleanup() {
  local pid hook
  for pid in "${LIB_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${LIB_GROUPS[@]}"; do kill -- -"$pid" 2>/dev/null || true; done
  for hook in "${LIB_ON_EXIT[@]}"; do eval "$hook" || true; done
  wait 2>/dev/null || true
}
trap lib::cleanup EXIT

lib::package() {
  # shellcheck disable=SC2086
  ./mvnw -B -q ${MAVEN_FLAGS:-} -DskipTests package
}

LIB_TEST_CP=""
lib::test_classpath() {
  LIB_TEST_CP=$1
  # shellcheck disable=SC2086
  ./mvnw -B -q -o ${MAVEN_FLAGS:-} dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$1" \
    >/dev/null 2>&1 \
    || ./mvnw -B -q ${MAVEN_FLAGS:-} dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$1" \
      >/dev/null
}

# lib::bare_classpath ARGFILE JAR: writes ARGFILE, a java launcher argument file (java @ARGFILE ...) holding the class
# path of the floor baseline, the bench's bare Spring Boot WebFlux app (baseline.BareWebFluxApp, from
# target/test-classes): its classes in JAR (an AOT cache takes jars only) and, of the broker's run-time jars
# (target/runtime.classpath, written by the build), those the WebFlux starter brings: no security, actuator, metrics,
# cache, vault or Redis. scripts/footprint.sh (profile bare) and scripts/image-check.sh (run bare-ready) measure the
# sidecar against it.
lib::bare_classpath() {
  local jar_tool
  jar_tool="$(dirname "$(command -v "$IMAGE_JAVA")")/jar"
  [[ -x "$jar_tool" ]] || jar_tool=jar
  (cd target/test-classes && "$jar_tool" cf "$2" baseline/BareWebFluxApp*.class)
  {
    echo -cp
    {
      echo "$2"
      tr ':' '\n' <target/runtime.classpath | grep -E '/(spring-(core|beans|context|aop|expression|web|webflux)-[0-9]|spring-boot-(autoconfigure|webflux|reactor|reactor-netty|netty|http-codec|jackson|web-server|starter|starter-(webflux|jackson|logging|reactor-netty))-[0-9]|spring-boot-[0-9]|commons-logging-|jackson-(annotations|core|databind)-|jspecify-|jul-to-slf4j-|logback-(classic|core)-|slf4j-api-|snakeyaml-|micrometer-(commons|observation)-|netty-|reactive-streams-|reactor-(core|netty-core|netty-http)-)[^/]*\.jar$'
    } | paste -sd:
  } >"$1"
}

# lib::bare_answers URL: whether the bare app answers its route (it answers POSTs only).
lib::bare_answers() {
  curl -fsS -o /dev/null --max-time 2 -X POST "$1"
}

lib::client_key() {
  local out
  out=$(java -jar target/token-broker.jar generate-client-key "$1")
  CLIENT_KEY=$(grep '^tbk_' <<<"$out")
  CLIENT_HASH=$(sed -n "s/^tokenbroker.callers.client-keys.$1=//p" <<<"$out")
  [[ -n "$CLIENT_KEY" && -n "$CLIENT_HASH" ]] || lib::fail "generate-client-key printed no key and hash: $out"
}

lib::start_upstreams() {
  local class=$1 log=$2
  shift 2
  [[ -s "$LIB_TEST_CP" ]] || lib::fail "lib::start_upstreams needs lib::test_classpath first"
  java -cp "target/test-classes:$(cat "$LIB_TEST_CP")" "$class" "$@" >"$log" 2>&1 &
  local pid=$!
  lib::track "$pid"
  lib::wait_for_line "$log" '^IAM_URL=' 120 "$pid" || { tail -n 40 "$log" >&2; lib::fail "$class did not start"; }
}

lib::wait_for_line() {
  local file=$1 pattern=$2 seconds=$3 pid=${4:-}
  lib::wait_until "$seconds" 0.5 "$pid" grep -qE -- "$pattern" "$file"
}

lib::wait_until() {
  local seconds=$1 interval=$2 pid=$3
  shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" 2>/dev/null; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then return 2; fi
    ((SECONDS < deadline)) || return 1
    sleep "$interval"
  done
}

lib::readiness_up() {
  curl -fsS --max-time 2 "http://127.0.0.1:$1/actuator/health/readiness" 2>/dev/null | grep -q '"status":"UP"'
}

lib::value() {
  sed -n "s/^$2=//p" "$1" | tail -n 1
}

lib::chart_memory_mib() {
  local value
  if [[ "$1" == resources ]]; then
    value=$(sed -n '/^resources:/,/^[a-z]/{/^  limits:/,/^  [a-z]/s/^    memory: *\([0-9]*\)Mi$/\1/p}' "$LIB_VALUES")
  else
    value=$(sed -n '/^sidecar:/,/^[a-z]/{/^    limits:/,/^    [a-z]/s/^      memory: *\([0-9]*\)Mi$/\1/p}' "$LIB_VALUES")
  fi
  [[ -n "$value" ]] || lib::fail "cannot read the $1 memory limit (in Mi) from $LIB_VALUES"
  echo "$value"
}

lib::read_commands() {
  local entrypoint
  entrypoint=$(grep -E '^ENTRYPOINT \[' Dockerfile | tail -n 1 | sed 's/^ENTRYPOINT \[\(.*\)\][[:space:]]*$/\1/')
  [[ -n "$entrypoint" ]] || lib::fail "Dockerfile has no exec-form ENTRYPOINT"
  mapfile -t IMAGE_COMMAND < <(tr ',' '\n' <<<"$entrypoint" | sed 's/^[[:space:]]*"//; s/"[[:space:]]*$//')
  mapfile -t SIDECAR_COMMAND < <(sed -n '/define "token-broker.sidecar"/,/^  env:/p' "$LIB_HELPERS" \
    | sed -n 's/^    - \(.*\)$/\1/p' | sed 's/^"\(.*\)"$/\1/')
  [[ "${SIDECAR_COMMAND[0]:-}" == java ]] || lib::fail "cannot read the sidecar command from $LIB_HELPERS"
  grep -q '^  javaToolOptions: "' <(sed -n '/^sidecar:/,/^[a-z]/p' "$LIB_VALUES") \
    || lib::fail "cannot read sidecar.javaToolOptions from $LIB_VALUES"
  SIDECAR_TOOL_OPTIONS=$(sed -n '/^sidecar:/,/^[a-z]/s/^  javaToolOptions: "\(.*\)"$/\1/p' "$LIB_VALUES")
  DEPLOYMENT_TOOL_OPTIONS=$(sed -n 's/^javaToolOptions: "\(.*\)"$/\1/p' "$LIB_VALUES")
}

lib::median() {
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}

lib::bench_caller_yaml() {
  cat <<YAML
  callers:
    client-keys:
      bench: "$CLIENT_HASH"
    rate-limit:
      overrides:
        - callers: ["client:bench"]
          requests-per-second: 100000000
          burst: 100000000
YAML
}
