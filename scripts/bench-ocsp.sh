#!/usr/bin/env bash
# The OCSP responder benchmark (docs/benchmarks.md, "OCSP responder").
#
#   scripts/bench-ocsp.sh                          # RSA-3072 CA and responder keys
#   BENCH_OCSP_KEY=ecdsa-p256 scripts/bench-ocsp.sh  # P-256, for reference
#
# What it does, all on 127.0.0.1, bounded in time, cleaning up after itself:
#   1. builds `tillit` (release), `tillit init`s a fresh data directory in a temp dir with
#      the CA key type $BENCH_OCSP_KEY (the OCSP responder key has the CA's key type),
#      issues a handful of `function` certificates and revokes one;
#   2. runs `tillit serve` and makes an OCSP request (one certificate, no nonce: the
#      cacheable common case) with `openssl ocsp -reqout`; checks the answer with openssl;
#   3. wrk: 64 keep-alive connections, 2 threads, POST of that request: responses/s,
#      p50/p99 latency, non-2xx;
#   4. ab without keep-alive (-c 16) against tillit and against `openssl ocsp` serving the
#      same certificates from an index file, with a responder key of the same type
#      (a delegated responder certificate issued by the same issuing CA), `-multi 2` (and,
#      for reference, as one process);
#   5. prints the figures and the ratio.
#
# Needs: root or the tools already installed (wrk, ab from apache2-utils, openssl, curl),
# cargo. Settings (environment):
#   BENCH_OCSP_KEY        rsa-3072 (default) | ecdsa-p256 | ecdsa-p384 | rsa-4096
#   BENCH_OCSP_DURATION   wrk duration in seconds (default 12)
#   BENCH_OCSP_AB_TILLIT  ab requests against tillit (default 50000)
#   BENCH_OCSP_AB_OPENSSL ab requests against openssl ocsp (default 3000)
#   BENCH_OCSP_PORT       tillit's port (default 18480); openssl ocsp gets the next one
#                         (in network namespaces of its own)
#   BENCH_OCSP_WAIT_IDLE  wait up to this many seconds for the cores to be >= 90% idle
#                         before measuring (default 0: measure at once, with a warning)
#   BENCH_OCSP_NO_BUILD   set to 1 to skip `cargo build` (the binary must exist)
#   BENCH_OCSP_KEEP       set to 1 to keep the temp dir (its path is printed)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEY="${BENCH_OCSP_KEY:-rsa-3072}"
DURATION="${BENCH_OCSP_DURATION:-12}"
AB_TILLIT="${BENCH_OCSP_AB_TILLIT:-50000}"
AB_OPENSSL="${BENCH_OCSP_AB_OPENSSL:-3000}"
PORT="${BENCH_OCSP_PORT:-18480}"
PORT2=$((PORT + 1))
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
TILLIT="$TARGET_DIR/release/tillit"

case "$KEY" in
  rsa-3072) OSSL_KEYGEN=(-algorithm RSA -pkeyopt rsa_keygen_bits:3072) ;;
  rsa-4096) OSSL_KEYGEN=(-algorithm RSA -pkeyopt rsa_keygen_bits:4096) ;;
  ecdsa-p256) OSSL_KEYGEN=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256) ;;
  ecdsa-p384) OSSL_KEYGEN=(-algorithm EC -pkeyopt ec_paramgen_curve:P-384) ;;
  *) echo "BENCH_OCSP_KEY: $KEY is not one of rsa-3072, rsa-4096, ecdsa-p256, ecdsa-p384" >&2; exit 2 ;;
esac

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench-ocsp: %s\n' "$*" >&2; exit 1; }

# --- tools ---------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v ab >/dev/null || missing+=(apache2-utils)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
command -v unshare >/dev/null || missing+=(util-linux)
command -v ip >/dev/null || missing+=(iproute2)
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  [ "$(id -u)" = 0 ] || die "need ${missing[*]}: run as root or install them"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
fi

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  die "127.0.0.1:$PORT is in use; set BENCH_OCSP_PORT"
fi

# --- build ---------------------------------------------------------------------------
if [ "${BENCH_OCSP_NO_BUILD:-}" != 1 ]; then
  say "cargo build --release --bin tillit"
  (cd "$ROOT" && cargo build --release --bin tillit)
fi
[ -x "$TILLIT" ] || die "$TILLIT is missing"

# --- temp dir and cleanup ------------------------------------------------------------
WORK="$(mktemp -d /tmp/bench-ocsp.XXXXXX)"
PIDS=()
cleanup() {
  local pid
  local kids=()
  for pid in "${PIDS[@]}"; do
    # openssl ocsp -multi forks workers: note them by their parent's id, stop the parent
    # (which would otherwise replace them), then them.
    kids+=($(pgrep -P "$pid" 2>/dev/null || true))
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${kids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "${BENCH_OCSP_KEEP:-}" = 1 ]; then
    echo "kept $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$WORK"

# --- 1. a CA with a handful of certificates, one revoked -----------------------------
say "tillit init (CA key $KEY) in $WORK/data"
TILLIT_CA__KEY_ALGORITHM="$KEY" "$TILLIT" init --data data >init.log
"$TILLIT" ca chain --data data >chain.pem
awk '/BEGIN CERT/{n++} n==1' chain.pem >issuing.pem
awk '/BEGIN CERT/{n++} n==2' chain.pem >root.pem
grep -q 'BEGIN CERT' issuing.pem && grep -q 'BEGIN CERT' root.pem || die "tillit ca chain printed no chain"

CERTS=5
for i in $(seq 1 "$CERTS"); do
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "key$i.pem" \
    -subj "/CN=bench-$i.example.org/O=tillit bench" -out "csr$i.pem" 2>/dev/null
  "$TILLIT" ca issue --data data --profile function --csr "csr$i.pem" --out "cert$i.pem" >>issue.log
done
REVOKED_SERIAL="$(openssl x509 -in "cert$CERTS.pem" -noout -serial | cut -d= -f2)"
"$TILLIT" ca revoke --data data --serial "$REVOKED_SERIAL" --reason keyCompromise >>issue.log

# openssl's responder: a key of the same type and a delegated responder certificate from
# the same issuing CA, so that both responders sign alike and both answers verify.
openssl genpkey "${OSSL_KEYGEN[@]}" -out rkey.pem 2>/dev/null
openssl req -new -key rkey.pem -subj "/CN=openssl ocsp bench responder/O=tillit bench" -out rcsr.pem
"$TILLIT" ca issue --data data --profile ocsp-responder --csr rcsr.pem --out rsigner.pem >>issue.log

# index.txt (openssl ca format): status, expiry, revocation[,reason], serial, file, subject.
asn1time() { date -u -d "$1" +%y%m%d%H%M%SZ; }
REVOKED_AT="$(date -u +%y%m%d%H%M%SZ)"
: >index.txt
for f in cert*.pem rsigner.pem; do
  serial="$(openssl x509 -in "$f" -noout -serial | cut -d= -f2)"
  end="$(asn1time "$(openssl x509 -in "$f" -noout -enddate | cut -d= -f2)")"
  subject="$(openssl x509 -in "$f" -noout -subject -nameopt compat | sed 's/^subject=//')"
  if [ "$serial" = "$REVOKED_SERIAL" ]; then
    printf 'R\t%s\t%s,keyCompromise\t%s\tunknown\t%s\n' "$end" "$REVOKED_AT" "$serial" "$subject" >>index.txt
  else
    printf 'V\t%s\t\t%s\tunknown\t%s\n' "$end" "$serial" "$subject" >>index.txt
  fi
done
echo 'unique_subject = no' >index.txt.attr

# --- 2. the servers ------------------------------------------------------------------
say "tillit serve on 127.0.0.1:$PORT"
"$TILLIT" serve --data data --listen "127.0.0.1:$PORT" >serve.log 2>&1 &
PIDS+=($!)
for _ in $(seq 1 150); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "${PIDS[0]}" 2>/dev/null || { cat serve.log >&2; die "tillit serve stopped"; }
  sleep 0.2
done
curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null || die "tillit is not ready after 30 s"

# `openssl ocsp -port` takes a port only and listens on every interface: each one runs in a
# network namespace of its own that has nothing but a loopback interface, and the clients
# talk to it from inside that namespace (same kernel, same loopback path as for tillit).
# The comparison is against `-multi 2` (two worker processes: both cores); a single process,
# as `openssl ocsp` runs by default, is measured too, for reference.
start_openssl() { # multi
  # -ignore_err: a bad request must not stop the server. No -nrequest: cleanup stops it.
  unshare --net sh -c 'ip link set lo up && exec "$@"' sh \
    openssl ocsp -index index.txt -port "$PORT2" -rsigner rsigner.pem -rkey rkey.pem \
    -CA issuing.pem -nmin 60 ${1:+-multi "$1"} -ignore_err >"openssl-ocsp${1:+-multi$1}.log" 2>&1 &
  PIDS+=($!)
}
say "openssl ocsp -multi 2 and openssl ocsp (one process) on 127.0.0.1:$PORT2 (own network namespaces)"
start_openssl 2
OSSL_PID=$!
start_openssl ""
OSSL1_PID=$!
in_ns() { local pid=$1; shift; nsenter --net="/proc/$pid/ns/net" "$@"; }
in_ossl_ns() { in_ns "$OSSL_PID" "$@"; }
in_ossl1_ns() { in_ns "$OSSL1_PID" "$@"; }

openssl ocsp -issuer issuing.pem -cert cert1.pem -no_nonce -reqout req.der >/dev/null
openssl ocsp -issuer issuing.pem -cert "cert$CERTS.pem" -no_nonce -reqout req-revoked.der >/dev/null

# One answer each, checked by openssl: successful, about the certificate, signature verified
# against the chain, good (and revoked for the revoked one).
check() { # [in_ossl_ns|in_ossl1_ns] url request cert expected-status
  local ns=()
  case "$1" in in_ossl_ns | in_ossl1_ns) ns=("$1"); shift ;; esac
  local url=$1 req=$2 cert=$3 want=$4 out
  "${ns[@]}" curl -fs --max-time 10 -H 'Content-Type: application/ocsp-request' --data-binary "@$req" \
    -o check.der "$url" || return 1
  out="$(openssl ocsp -respin check.der -issuer issuing.pem -cert "$cert" -CAfile chain.pem \
    -resp_text 2>&1)" || { echo "$out" >&2; return 1; }
  grep -q 'OCSP Response Status: successful' <<<"$out" \
    && grep -q 'Response verify OK' <<<"$out" \
    && grep -q "^$cert: $want" <<<"$out" || { echo "$out" >&2; return 1; }
}
for ns in in_ossl_ns in_ossl1_ns; do
  for _ in $(seq 1 50); do
    kill -0 "$OSSL_PID" 2>/dev/null && kill -0 "$OSSL1_PID" 2>/dev/null \
      || { cat openssl-ocsp*.log >&2; die "openssl ocsp stopped"; }
    "$ns" curl -s -o /dev/null "http://127.0.0.1:$PORT2/" && break
    sleep 0.2
  done
done
check "http://127.0.0.1:$PORT/ocsp" req.der cert1.pem good || die "tillit's answer did not check out"
check "http://127.0.0.1:$PORT/ocsp" req-revoked.der "cert$CERTS.pem" revoked \
  || die "tillit's answer about the revoked certificate did not check out"
check in_ossl_ns "http://127.0.0.1:$PORT2/" req.der cert1.pem good || die "openssl ocsp's answer did not check out"
check in_ossl_ns "http://127.0.0.1:$PORT2/" req-revoked.der "cert$CERTS.pem" revoked \
  || die "openssl ocsp's answer about the revoked certificate did not check out"
check in_ossl1_ns "http://127.0.0.1:$PORT2/" req.der cert1.pem good || die "openssl ocsp's answer did not check out"
say "both responders answer good / revoked, signatures verified against the chain"

# The figures are only as good as the machine is quiet: wait (at most
# $BENCH_OCSP_WAIT_IDLE seconds) for the other processes to leave the cores idle, and say
# how idle they were.
idle_pct() { # share of CPU time idle over the next 2 seconds, all cores
  local a b
  a=($(head -1 /proc/stat)); sleep 2; b=($(head -1 /proc/stat))
  local total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  echo $(((100 * (b[4] - a[4] + b[5] - a[5])) / (total > 0 ? total : 1)))
}
IDLE_BEFORE="$(idle_pct)"
WAIT_UNTIL=$((SECONDS + ${BENCH_OCSP_WAIT_IDLE:-0}))
while [ "$IDLE_BEFORE" -lt 90 ] && [ "$SECONDS" -lt "$WAIT_UNTIL" ]; do
  say "the cores are only ${IDLE_BEFORE}% idle; waiting"
  sleep 5
  IDLE_BEFORE="$(idle_pct)"
done
[ "$IDLE_BEFORE" -ge 90 ] || say "warning: the cores were only ${IDLE_BEFORE}% idle before the runs"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
OSSL_WORKERS="$(pgrep -c -P "$OSSL_PID" || true)"

# --- 3. wrk, keep-alive ----------------------------------------------------------------
cat >post.lua <<EOF
local f = assert(io.open("$WORK/req.der", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/ocsp-request"
EOF
say "wrk -t2 -c64 -d${DURATION}s --latency (POST /ocsp, keep-alive)"
timeout $((DURATION + 30)) wrk -t2 -c64 -d"${DURATION}s" --timeout 5s --latency -s post.lua \
  "http://127.0.0.1:$PORT/ocsp" >wrk.txt
cat wrk.txt >&2
WRK_RPS="$(awk '/^Requests\/sec:/{print $2}' wrk.txt)"
WRK_P50="$(awk '/Latency Distribution/{d=1} d && $1=="50%"{print $2; exit}' wrk.txt)"
WRK_P99="$(awk '/Latency Distribution/{d=1} d && $1=="99%"{print $2; exit}' wrk.txt)"
WRK_TOTAL="$(awk '/requests in/{print $1; exit}' wrk.txt)"
WRK_NON2XX="$(awk '/Non-2xx or 3xx responses:/{print $NF}' wrk.txt)"
WRK_NON2XX="${WRK_NON2XX:-0}"
WRK_ERRORS="$(awk '/Socket errors:/{sub(/^ *Socket errors: */, ""); print}' wrk.txt)"
WRK_ERRORS="${WRK_ERRORS:-none}"

# --- 4. ab, no keep-alive ----------------------------------------------------------------
ab_run() { # [in_ossl_ns|in_ossl1_ns] label requests url
  local ns=()
  case "$1" in in_ossl_ns | in_ossl1_ns) ns=("$1"); shift ;; esac
  local label=$1 n=$2 url=$3
  say "ab -n $n -c 16 (no keep-alive) against $label"
  "${ns[@]}" timeout 300 ab -q -n "$n" -c 16 -s 10 -p req.der -T application/ocsp-request "$url" >"ab-$label.txt" 2>&1 \
    || { cat "ab-$label.txt" >&2; die "ab against $label failed"; }
  grep -E 'Complete requests|Failed requests|Non-2xx|Requests per second|Time per request.*mean\)|^ +(50|99)%' \
    "ab-$label.txt" >&2
}
ab_field() { awk -v k="$2" 'index($0, k) == 1 {print $0}' "ab-$1.txt"; }
ab_rps() { ab_field "$1" 'Requests per second:' | awk '{print $4}'; }
ab_failed() { # failures other than Length (ECDSA signatures vary in length by a byte or two)
  local total length
  total="$(ab_field "$1" 'Failed requests:' | awk '{print $3}')"
  length="$(awk '/\(Connect:/{for (i = 1; i <= NF; i++) if ($i == "Length:") {gsub(/,/, "", $(i+1)); print $(i+1)}}' "ab-$1.txt")"
  echo $((${total:-0} - ${length:-0}))
}
ab_non2xx() { local n; n="$(ab_field "$1" 'Non-2xx responses:' | awk '{print $3}')"; echo "${n:-0}"; }
ab_pct() { awk -v p="$2%" '$1 == p {print $2; exit}' "ab-$1.txt"; }

ab_run tillit "$AB_TILLIT" "http://127.0.0.1:$PORT/ocsp"
sleep 2
ab_run in_ossl_ns openssl "$AB_OPENSSL" "http://127.0.0.1:$PORT2/"
sleep 2
ab_run in_ossl1_ns openssl1 "$AB_OPENSSL" "http://127.0.0.1:$PORT2/"

AB_T_RPS="$(ab_rps tillit)"
AB_O_RPS="$(ab_rps openssl)"
AB_O1_RPS="$(ab_rps openssl1)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }'; }
RATIO="$(ratio "$AB_T_RPS" "$AB_O_RPS")"
RATIO1="$(ratio "$AB_T_RPS" "$AB_O1_RPS")"
# Goals: wrk >= 40,000/s and p99 <= 5 ms; ab >= 20 x openssl ocsp (-multi 2).
WRK_P99_MS="$(awk -v v="$WRK_P99" 'BEGIN {
  n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; print n }')"
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo "NOT met"; fi; }
GOAL_RPS="$(verdict "$WRK_RPS >= 40000")"
GOAL_P99="$(verdict "$WRK_P99_MS <= 5")"
if [ "$KEY" = rsa-3072 ]; then
  GOAL_RATIO="$(verdict "$AB_T_RPS >= 20 * $AB_O_RPS")"
else
  GOAL_RATIO="n/a (set for RSA-3072 keys)"
fi

# --- 5. figures ----------------------------------------------------------------------
{
  echo
  echo "OCSP responder benchmark: key $KEY, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "wrk (64 keep-alive connections, 2 threads, ${DURATION} s, POST /ocsp, one cached response):"
  printf '  requests        %s\n' "$WRK_TOTAL"
  printf '  responses/s     %s\n' "$WRK_RPS"
  printf '  p50 / p99       %s / %s\n' "$WRK_P50" "$WRK_P99"
  printf '  non-2xx         %s\n' "$WRK_NON2XX"
  printf '  socket errors   %s\n' "$WRK_ERRORS"
  echo "ab (16 concurrent, no keep-alive, POST):"
  printf '  tillit            %s/s  (%s requests, p50 %s ms, p99 %s ms, failed %s, non-2xx %s)\n' \
    "$AB_T_RPS" "$AB_TILLIT" "$(ab_pct tillit 50)" "$(ab_pct tillit 99)" "$(ab_failed tillit)" "$(ab_non2xx tillit)"
  printf '  openssl -multi 2  %s/s  (%s requests, p50 %s ms, p99 %s ms, failed %s, non-2xx %s)\n' \
    "$AB_O_RPS" "$AB_OPENSSL" "$(ab_pct openssl 50)" "$(ab_pct openssl 99)" "$(ab_failed openssl)" "$(ab_non2xx openssl)"
  printf '  openssl, 1 proc.  %s/s  (%s requests, p50 %s ms, p99 %s ms, failed %s, non-2xx %s)\n' \
    "$AB_O1_RPS" "$AB_OPENSSL" "$(ab_pct openssl1 50)" "$(ab_pct openssl1 99)" "$(ab_failed openssl1)" "$(ab_non2xx openssl1)"
  printf '  ratio           %s x openssl -multi 2, %s x one openssl process\n' "$RATIO" "$RATIO1"
  printf 'before the runs: cores %s%% idle, load average %s; openssl ocsp worker processes: %s\n' \
    "$IDLE_BEFORE" "$LOAD_BEFORE" "$OSSL_WORKERS"
  echo "goals: wrk >= 40,000/s: $GOAL_RPS; p99 <= 5 ms: $GOAL_P99; ab >= 20 x openssl ocsp -multi 2: $GOAL_RATIO"
} | tee summary.txt
