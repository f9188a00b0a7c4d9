#!/usr/bin/env bash
# Lints what tillit's CA produces with pkilint (a linter we did not write): for every CA key
# type, the CA certificates, a certificate of every profile, and a CRL with a revocation.
# Usage: bash .ci/pkilint.sh TILLIT_BINARY PKILINT_BIN_DIR
set -euo pipefail
tillit=$(realpath "$1")
bin=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failed=0
checked=0
lint() { # kind file
  local out
  if [ "$1" = crl ]; then
    out=$("$bin/lint_crl" lint -t CRL -p PKIX -s ERROR "$2" 2>&1) || true
  else
    out=$("$bin/lint_pkix_cert" lint -s ERROR "$2" 2>&1) || true
  fi
  checked=$((checked + 1))
  if [ -n "$(echo "$out" | tr -d '[:space:]')" ]; then
    echo "pkilint: $2:"; echo "$out"; failed=$((failed + 1))
  fi
}
for alg in ecdsa-p256 ecdsa-p384 rsa-3072 rsa-4096; do
  d="$work/$alg"
  TILLIT_CA__KEY_ALGORITHM=$alg "$tillit" init --data "$d/data" >/dev/null
  mkdir -p "$d/out"
  "$tillit" ca chain --data "$d/data" > "$d/out/chain.pem"
  awk -v dir="$d/out" '/BEGIN/{n++} {print > (dir "/ca" n ".pem")}' "$d/out/chain.pem"
  lint cert "$d/out/ca1.pem"; lint cert "$d/out/ca2.pem"
  key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
  [ "${alg%%-*}" = rsa ] && key=(-newkey rsa:3072)
  declare -A subjects=(
    [function]="/C=SE/O=Emmaboda kommun/CN=ra.emmaboda.se"
    [se-authentication]="/C=SE/O=Emmaboda kommun/GN=Anna/SN=Svensson/CN=Anna Svensson/serialNumber=SE2120000738-abcd"
    [se-signature]="/C=SE/O=Emmaboda kommun/GN=Anna/SN=Svensson/CN=Anna Svensson/serialNumber=SE2120000738-abcd"
    [ocsp-responder]="/C=SE/O=Emmaboda kommun/CN=tillit OCSP responder"
  )
  for profile in function se-authentication se-signature ocsp-responder; do
    openssl req -new -nodes "${key[@]}" -keyout "$d/out/$profile.key" -subj "${subjects[$profile]}" \
      -out "$d/out/$profile.csr" 2>/dev/null
    "$tillit" ca issue --data "$d/data" --profile "$profile" --csr "$d/out/$profile.csr" --days 30 \
      --out "$d/out/$profile.pem" >/dev/null
    lint cert "$d/out/$profile.pem"
  done
  serial=$(openssl x509 -in "$d/out/function.pem" -noout -serial | cut -d= -f2)
  "$tillit" ca revoke --data "$d/data" --serial "$serial" --reason keyCompromise >/dev/null
  for ca in issuing root; do
    "$tillit" ca crl --data "$d/data" --ca $ca --out "$d/out/$ca.crl" >/dev/null
    openssl crl -inform DER -in "$d/out/$ca.crl" -out "$d/out/$ca.crl.pem"
    lint crl "$d/out/$ca.crl.pem"
  done
  echo "pkilint $alg: CA certificates, 4 profiles, 2 CRLs"
done
echo "pkilint: $((checked - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
