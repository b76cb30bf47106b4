#!/usr/bin/env bash
# The start command (README): installs the dependencies if needed and starts the gateway on its embedded defaults —
# SQLite file and local blob files under ./data, an in-process worker, a development seal generated on first start.
# On first start it also creates a demo tenant and user (credentials in data/demo-credentials.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "[npm start] $*"; }
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing dependencies (npm ci): better-sqlite3, libxmljs2 and pkcs11js compile from source, ≈ 2–3 minutes the first time"
  npm ci --no-audit --no-fund
fi
# Blob writes fsync in libuv's thread pool; more threads let the disk batch concurrent fsyncs (measured: 4 threads
# ≈ 3,500 fsyncs/s, 16 ≈ 5,000/s on this kind of machine).
export UV_THREADPOOL_SIZE="${UV_THREADPOOL_SIZE:-16}"
# GİB's package: the data directory's active one (npm run cli -- gib:package <folder-or-zip>). On first start it is
# installed from GİB's package beside the project when there is one (the layout CI and the tests use).
if [ -z "${GW_GIB_DIR:-}" ] && [ ! -f "${GW_DATA_DIR:-data}/gib-packages/active.json" ] && [ -d ../shared/gib/ubl-tr-1.2.1/xsdrt ]; then
  say "installing GİB's package from ../shared/gib (XSD and schematron checks on)"
  npx tsx src/cli.ts gib:package ../shared/gib
fi
say "demo companies (first start only; credentials in ${GW_DATA_DIR:-data}/demo-credentials.txt)"
npx tsx src/cli.ts demo:init
say "starting the gateway and the built-in GİB simulator (a development seal is made on first use)"
exec npx tsx src/server.ts
