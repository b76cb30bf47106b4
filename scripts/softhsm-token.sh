#!/usr/bin/env bash
# Create a SoftHSM2 token personalised like a mali mühür card, for manual tests and benchmarks:
# an RSA-2048 key generated on the token (non-extractable), a certificate for it issued by a test root, stored on
# the token with the key's CKA_ID. Prints the token's details and the SOFTHSM2_CONF line to export.
#
#   scripts/softhsm-token.sh [DIR] [--label L] [--pin P] [--vkn V]
#   eval "$(scripts/softhsm-token.sh /tmp/gw-softhsm --label MUHUR | grep ^export)"
#   pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label MUHUR --login --pin 123456 --list-objects
#
# DIR (default $TMPDIR/gw-softhsm) gets softhsm2.conf, tokens/, test-root.cert.pem (trust it to verify signatures)
# and <label>.cert.pem. Several runs with the same DIR add tokens under the same root.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v softhsm2-util >/dev/null || { echo "softhsm2-util not found (Debian: apt-get install softhsm2)" >&2; exit 1; }
exec node --require tsx/cjs test/helpers/softhsm.ts "$@"
