#!/usr/bin/env bash
# Lints the broker's OpenAPI description with Redocly's recommended rules. The document is what /v3/api-docs serves:
# OpenApiIntegrationTests (run by ./mvnw verify) writes it to target/openapi.json. Usage: scripts/openapi-lint.sh
set -euo pipefail
cd "$(dirname "$0")/.."
document=target/openapi.json
[ -s "$document" ] || { echo "$document is missing: run ./mvnw verify (OpenApiIntegrationTests writes it) first"; exit 1; }
command -v npx >/dev/null || { echo "npx is missing: install Node.js and npm"; exit 1; }
# Pinned: the last Redocly CLI line that runs on the Node.js 20 CI uses.
npx --yes @redocly/cli@2.77.0 lint --extends=recommended "$document"
echo "openapi lint: $document passes redocly's recommended rules"
