#!/usr/bin/env bash
# Makes a fresh SoftHSM2 token for the PKCS#11 tests and prints the environment for them:
#   eval "$(bash .ci/softhsm.sh)"
# Installs softhsm2 if it is missing (as root). Each run makes a new token directory under
# $TMPDIR (or /tmp), so runs never share keys. Everything but the export lines goes to stderr.
set -euo pipefail

if ! command -v softhsm2-util >/dev/null 2>&1; then
  echo "softhsm.sh: installing softhsm2" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq softhsm2 >&2
fi

module=""
for candidate in /usr/lib/softhsm/libsofthsm2.so \
  /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
  /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so \
  /usr/local/lib/softhsm/libsofthsm2.so; do
  if [ -f "$candidate" ]; then module=$candidate; break; fi
done
if [ -z "$module" ] && command -v dpkg >/dev/null 2>&1; then
  module=$(dpkg -L softhsm2 libsofthsm2 2>/dev/null | grep -E '/libsofthsm2\.so$' | head -1 || true)
fi
if [ -z "$module" ] || [ ! -f "$module" ]; then
  echo "softhsm.sh: cannot find libsofthsm2.so" >&2
  exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/tillit-softhsm.XXXXXX")
mkdir -p "$dir/tokens"
cat >"$dir/softhsm2.conf" <<CONF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
export SOFTHSM2_CONF="$dir/softhsm2.conf"

# Throwaway PINs for a throwaway CI token.
so_pin=tillit-ci-so-$RANDOM$RANDOM
user_pin=tillit-ci-$RANDOM$RANDOM
if ! out=$(softhsm2-util --init-token --free --label tillit-ci --so-pin "$so_pin" --pin "$user_pin" 2>&1); then
  echo "softhsm.sh: cannot initialise the token: $out" >&2
  exit 1
fi
echo "softhsm.sh: token tillit-ci in $dir/tokens" >&2

printf 'export SOFTHSM2_CONF=%q\n' "$SOFTHSM2_CONF"
printf 'export TEST_TILLIT_PKCS11_URI=%q\n' \
  "pkcs11:token=tillit-ci?module-path=$module&pin-value=$user_pin"
