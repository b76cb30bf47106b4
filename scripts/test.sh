#!/usr/bin/env bash
# The test command (README): installs what is missing on a fresh machine, starts a throwaway PostgreSQL, runs the whole
# suite on SQLite (the embedded default) and every test that touches the database again on PostgreSQL, then prints
# "N passed, N failed". Pure suites (validation, signing, machines) give the same result on both, so they run once.
# Extra arguments are spec paths for both runs (e.g. test/soap).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export GW_SHARED_DIR="${GW_SHARED_DIR:-$ROOT/../shared}"

need_apt=()
command -v softhsm2-util >/dev/null || need_apt+=(softhsm2)
command -v pkcs11-tool >/dev/null || need_apt+=(opensc)
command -v xmlsec1 >/dev/null || need_apt+=(xmlsec1)
command -v xmllint >/dev/null || need_apt+=(libxml2-utils)
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)   # the e-Defter drop folder's SFTP server in test/ledger
command -v sftp >/dev/null || need_apt+=(openssh-client)
command -v curl >/dev/null || need_apt+=(curl)         # examples/curl, run by test/sandbox
command -v openssl >/dev/null || need_apt+=(openssl)
/usr/bin/python3 -c 'import zeep' 2>/dev/null || need_apt+=(python3-zeep)
php -m 2>/dev/null | grep -qx soap || need_apt+=(php-cli php-soap)   # examples/php, run by test/sandbox
command -v java >/dev/null || need_apt+=(default-jre-headless)
command -v chromium >/dev/null || need_apt+=(chromium)   # the portal's browser tests (test/browser) and PDF visuals
[ -f /usr/share/java/Saxon-HE.jar ] || need_apt+=(libsaxonhe-java)   # GİB's schematron as the reference in tests
/usr/bin/python3 -c 'import lxml.etree' 2>/dev/null || need_apt+=(python3-lxml)   # the invoice visuals' XSLT engine (libxslt)
command -v xsltproc >/dev/null || need_apt+=(xsltproc)   # test/visuals: libxslt's own tool as the reference page
command -v pdftotext >/dev/null || need_apt+=(poppler-utils)   # test/visuals reads the PDFs' text
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: ${need_apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null || exit 1
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  else
    echo "missing Debian packages (run as root to install them): ${need_apt[*]}" >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || exit 1
fi

npx tsc --noEmit || { echo "0 passed, 1 failed"; exit 1; }

# A throwaway PostgreSQL owned by the postgres user, on a free port, removed on exit.
PG_DIR=$(mktemp -d /tmp/gw-pg.XXXXXX)
chmod 755 "$PG_DIR"
PG_PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
run_pg() { if [ "$(id -u)" = 0 ]; then chown -R postgres "$PG_DIR"; runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { run_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1; rm -rf "$PG_DIR"; }
trap cleanup EXIT
run_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust >/dev/null || exit 1
run_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" \
  -l "$PG_DIR/log" -w start >/dev/null || { cat "$PG_DIR/log"; exit 1; }
export GW_TEST_PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"

SUMMARY_DIR=$(mktemp -d)
LOG_DIR=$(mktemp -d)
status=0
runs=2 # mocha runs that must each leave a summary (a run that crashed before reporting counts as a failure)
run_suite() { # kind, specs…
  local kind=$1; shift
  echo "=== tests on $kind ==="
  GW_TEST_DB=$kind GW_TEST_SUMMARY="$SUMMARY_DIR/$kind${GW_TEST_SUMMARY_SUFFIX:-}.json" npx mocha --reporter test/reporter.js "$@"
}
if [ $# -gt 0 ]; then
  run_suite sqlite "$@" || status=1
  run_suite postgres "$@" || status=1
else
  pg_specs=(
    'test/db/**/*.test.ts' 'test/storage/**/*.test.ts' 'test/worker/**/*.test.ts' 'test/services/**/*.test.ts' 'test/soap/**/*.test.ts'
    'test/gib-endpoint/**/*.test.ts' 'test/earsiv-report/**/*.test.ts' test/gib/pipeline.test.ts 'test/e2e/**/*.test.ts'
    'test/chaos/**/*.test.ts' 'test/fuzz/**/*.test.ts' test/metrics.test.ts test/ledger/ledger-soap.test.ts test/ledger/ledger-drop.test.ts test/ledger/ledger-gib.test.ts test/ledger/ledger-archive.test.ts test/ledger/ledger-archive-s3.test.ts
    'test/activation/**/*.test.ts' 'test/notify/**/*.test.ts' 'test/elogo/**/*.test.ts' test/interop/postbox-clients.test.ts
    'test/portal/**/*.test.ts' test/visuals/invoice-visual.test.ts
  )
  # Tests that time themselves against the machine (/health under 50 ms during an attack, kills within the chaos
  # window, a generator's speed) run alone at the end, on both databases; the rest runs side by side.
  alone=(test/e2e/hostile-input.test.ts test/chaos/chaos.test.ts test/validation/invoices.test.ts)
  ignore=()
  for f in "${alone[@]}"; do ignore+=(--ignore "$f"); done
  if [ "${GW_TEST_SERIAL:-}" = 1 ]; then
    run_suite sqlite 'test/**/*.test.ts' || status=1
    run_suite postgres "${pg_specs[@]}" || status=1
  else
    # The two databases' runs go side by side (GW_TEST_SERIAL=1: one after the other): many tests wait on timers,
    # sockets and child processes rather than the CPU. Each writes its own log, shown whole when both are done.
    echo "running the SQLite and PostgreSQL suites side by side (their logs follow when both are done)"
    # The SQLite suite is the longer: files only it runs (GİB's validation, the browser) go after the PostgreSQL
    # suite instead, so that both sides end at about the same time.
    later=('test/validation/**/*.test.ts' 'test/browser/**/*.test.ts')
    later_ignore=()
    for g in "${later[@]}"; do later_ignore+=(--ignore "$g"); done
    run_suite sqlite 'test/**/*.test.ts' "${ignore[@]}" "${later_ignore[@]}" > "$LOG_DIR/sqlite.log" 2>&1 & sqlite_pid=$!
    (
      ok=0
      run_suite postgres "${pg_specs[@]}" "${ignore[@]}" || ok=1
      GW_TEST_SUMMARY_SUFFIX=-later run_suite sqlite "${later[@]}" "${ignore[@]}" || ok=1
      exit $ok
    ) > "$LOG_DIR/postgres.log" 2>&1 & pg_pid=$!
    wait $sqlite_pid || status=1
    wait $pg_pid || status=1
    cat "$LOG_DIR/sqlite.log" "$LOG_DIR/postgres.log"
    GW_TEST_SUMMARY_SUFFIX=-alone runs=5
    run_suite sqlite "${alone[@]}" || status=1
    run_suite postgres test/e2e/hostile-input.test.ts test/chaos/chaos.test.ts || status=1
  fi
fi
rm -rf "$LOG_DIR"

node -e '
  const fs = require("fs"); let p = 0, f = 0, s = 0;
  for (const file of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + file, "utf8")); p += r.passes; f += r.failures; s += r.pending;
  }
  if (fs.readdirSync(process.argv[1]).length < Number(process.argv[2])) f += 1; // a run that crashed before reporting
  console.log(`${p} passed, ${f} failed` + (s ? `, ${s} skipped` : ""));
' "$SUMMARY_DIR" "$runs"
rm -rf "$SUMMARY_DIR"
exit $status
