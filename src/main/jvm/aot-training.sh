#!/usr/bin/env bash
# The AOT cache's training run (JEP 483/514), run by the Dockerfile's final stage in /app and replayed by
# scripts/image-check.sh: starts the broker as the ENTRYPOINT does (jvm/deployment.flags) with -XX:AOTCacheOutput,
# sends it requests that need no upstream, so that the classes of a request (Netty, the security chain, caller
# authentication, policy, problem answers, Jackson, actuator, the OpenAPI route) are loaded and linked, then stops
# it: the JVM writes the cache at exit. Needs only bash (its /dev/tcp) and the JRE.
#
# The cache holds no method profiles (JEP 515: -XX:-AOTRecordTraining). Replayed at run time, this training's
# profiles held the JIT back under load: 6.2k req/s in the 12th second of load and 12.2k over the next 20 s, against
# 11.4k and 16.0k with the same cache and no profiles (docs/benchmarks.md, third pass). The classes still come from
# the cache, so the start-up gain stays (ready in about 4.5 s instead of 9).
#
# Environment (all optional): AOT_CACHE (default app.aot), TRAINING_PORT (default 18080; the management port is the
# next one), TRAINING_ROUNDS (default 200 of each request).
set -euo pipefail

cache=${AOT_CACHE:-app.aot}
port=${TRAINING_PORT:-18080}
management=$((port + 1))
rounds=${TRAINING_ROUNDS:-200}
work=$(mktemp -d "${TMPDIR:-/tmp}/aot-training.XXXXXX")
pid=""
cleanup() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# A client key for the training caller, made the way operators make theirs.
key_out=$(java -jar token-broker.jar generate-client-key training)
client_key=$(grep '^tbk_' <<<"$key_out")
client_hash=$(sed -n 's/^tokenbroker.callers.client-keys.training=//p' <<<"$key_out")
# One credential (start-up checks that its secret exists), which no policy rule lets anyone use, and an IAM address
# where nothing listens: no request of the training leaves the machine.
mkdir -p "$work/vault/training"
printf 'not-a-real-key' >"$work/vault/training/apikey"
cat >"$work/application.yaml" <<EOF
server.port: $port
management.server.port: $management
tokenbroker:
  iam:
    url: http://127.0.0.1:9
  vault:
    type: file
    file:
      directory: $work/vault
  credentials:
    training: { type: iam-apikey, secret: training }
  callers:
    client-keys:
      training: "$client_hash"
  ops:
    callers: ["client:training"]
EOF

# The flags file's MaxMetaspaceSize would also cap the buffers in which the JVM assembles the cache (about 85 MiB of
# class metadata); the cache, once written, maps outside the metaspace at run time, so the training lifts the cap.
SPRING_CONFIG_ADDITIONAL_LOCATION="file:$work/" java "-XX:AOTCacheOutput=$cache" @jvm/deployment.flags \
    -XX:MaxMetaspaceSize=256m -XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining \
    -jar token-broker.jar >"$work/broker.log" 2>&1 &
pid=$!

# request PORT METHOD PATH [BEARER]: one HTTP/1.1 request on a fresh connection; prints the status code.
request() {
    local status
    exec 3<>"/dev/tcp/127.0.0.1/$1"
    {
        printf '%s %s HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n' "$2" "$3"
        [[ -n "${4:-}" ]] && printf 'Authorization: Bearer %s\r\n' "$4"
        printf '\r\n'
    } >&3
    read -r _ status _ <&3
    cat <&3 >/dev/null
    exec 3<&-
    echo "$status"
}

for _ in $(seq 1 600); do
    if (request "$management" GET /actuator/health/readiness 2>/dev/null || true) | grep -q 200; then
        break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        grep -v '\[aot\]' "$work/broker.log" | tail -n 40 >&2
        echo "aot-training: the broker exited before it was ready" >&2
        exit 1
    fi
    sleep 0.1
done

expect() { # STATUS PORT METHOD PATH [BEARER]
    local want=$1 got
    shift
    got=$(request "$@")
    [[ "$got" == "$want" ]] || {
        echo "aot-training: $2 $3 answered $got, expected $want" >&2
        exit 1
    }
}
for _ in $(seq 1 "$rounds"); do
    expect 200 "$port" GET /v1/credentials "$client_key"
    expect 403 "$port" POST /v1/credentials/training/iot-key "$client_key"
    expect 401 "$port" POST /v1/credentials/training/iam-token tbk_not-a-key
    expect 200 "$port" GET /v3/api-docs
    expect 200 "$management" GET /actuator/health/readiness
    expect 200 "$management" GET /actuator/prometheus "$client_key"
done

kill -TERM "$pid"
wait "$pid" || true
pid=""
if [[ ! -s "$cache" ]]; then
    tail -n 40 "$work/broker.log" >&2
    echo "aot-training: no AOT cache written at $cache" >&2
    exit 1
fi
echo "aot-training: $cache written ($(du -h "$cache" | cut -f1)) after $((rounds * 6)) requests"
