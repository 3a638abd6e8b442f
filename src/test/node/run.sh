#!/usr/bin/env bash
# Runs IBM's Node SDK core (ibm-cloud-sdk-core, version pinned in package-lock.json) against a running broker's IAM
# facade. Called by scripts/sandbox-smoke.sh (from .ci/run) once ./mvnw spring-boot:test-run is up.
# Usage: src/test/node/run.sh BROKER_URL CLIENT_KEY_FILE [CREDENTIAL]
#   e.g. src/test/node/run.sh http://127.0.0.1:8080 target/sandbox/client-key demo
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BROKER_URL CLIENT_KEY_FILE [CREDENTIAL]" >&2; exit 2; }
key_file=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
cd "$(dirname "$0")"
command -v npm >/dev/null || { echo "npm is required (Node 18+)" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error >/dev/null
node iam-facade.mjs "$1" "$key_file" "${3:-demo}"
