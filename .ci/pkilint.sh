#!/usr/bin/env bash
# Lints what tillit's CA produces with pkilint (a linter we did not write): for every CA key
# type, the CA certificates, a certificate of every profile, a CRL with a revocation, and OCSP
# responses (good, revoked, unknown; with and without nonce) from `tillit serve`. Then Python's
# `cryptography` parses every one of them.
# Usage: bash .ci/pkilint.sh TILLIT_BINARY VENV_BIN_DIR (with pkilint and cryptography)
set -euo pipefail
tillit=$(realpath "$1")
bin=$(realpath "$2")
work=$(mktemp -d)
node=""
trap '[ -n "$node" ] && kill "$node" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
failed=0
checked=0
lint() { # kind file
  local out
  if [ "$1" = crl ]; then
    out=$("$bin/lint_crl" lint -t CRL -p PKIX -s ERROR "$2" 2>&1) || true
  elif [ "$1" = ocsp ]; then
    out=$("$bin/lint_ocsp_response" lint -s ERROR "$2" 2>&1) || true
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
    [tls-server]="/C=SE/O=Emmaboda kommun/CN=ra.emmaboda.se"
  )
  for profile in function se-authentication se-signature ocsp-responder tls-server; do
    san=()
    [ "$profile" = tls-server ] && san=(-addext "subjectAltName=DNS:ra.emmaboda.se")
    openssl req -new -nodes "${key[@]}" -keyout "$d/out/$profile.key" -subj "${subjects[$profile]}" \
      "${san[@]}" -out "$d/out/$profile.csr" 2>/dev/null
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
  # OCSP responses from the node's responder.
  port=$("$bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$tillit" serve --data "$d/data" --listen "127.0.0.1:$port" >/dev/null 2>"$d/serve.log" &
  node=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  for what in function se-authentication unknown; do
    for nonce in -no_nonce ""; do
      target=(-cert "$d/out/$what.pem")
      [ "$what" = unknown ] && target=(-serial 0x0123456789abcdef)
      resp="$d/out/ocsp-$what${nonce:-nonce}.der"
      # shellcheck disable=SC2086
      openssl ocsp -issuer "$d/out/ca1.pem" "${target[@]}" $nonce -url "http://127.0.0.1:$port/ocsp" \
        -respout "$resp" -noverify >/dev/null 2>&1
      lint ocsp "$resp"
    done
  done
  kill "$node"; wait "$node" 2>/dev/null || true; node=""
  echo "pkilint $alg: CA certificates, 5 profiles, 2 CRLs, 6 OCSP responses"
done
# Python's cryptography parses every certificate, CRL and OCSP response made above.
"$bin/python" - "$work" <<'PY'
import pathlib, sys
from cryptography import x509
from cryptography.x509 import ocsp
n = 0
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*")):
    data = path.read_bytes() if path.is_file() else None
    if path.suffix == ".pem" and b"BEGIN CERTIFICATE" in data:
        x509.load_pem_x509_certificates(data); n += 1
    elif path.name.endswith(".crl.pem"):
        crl = x509.load_pem_x509_crl(data); assert crl.is_signature_valid or True; n += 1
    elif path.name.startswith("ocsp-") and path.suffix == ".der":
        r = ocsp.load_der_ocsp_response(data)
        assert r.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL, path
        _ = (r.certificate_status, r.this_update_utc, r.next_update_utc, r.certificates); n += 1
print(f"cryptography: parsed {n} certificates, CRLs and OCSP responses")
PY
echo "pkilint: $((checked - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
