#!/usr/bin/env bash
# The start command (README): installs the dependencies if needed and starts the gateway on its embedded defaults —
# SQLite file and local blob files under ./data, an in-process worker, a development seal generated on first start.
# On first start it also creates a demo tenant and user (credentials in data/demo-credentials.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npx tsx src/cli.ts demo:init
exec npx tsx src/server.ts
