#!/usr/bin/env bash
# Real SMTP servers for the mail tests: Python's aiosmtpd (not our code) on 127.0.0.1,
# delivering into a Maildir — one plain, one with STARTTLS required, one with implicit TLS
# (SMTPS), the TLS ones with a certificate for "localhost" from a throw-away test CA.
# Prints the environment the tests read; the servers run until killed ($SMTP_TEST_PIDS; not
# TILLIT_*: the node reads every TILLIT_* variable as configuration and refuses unknown ones).
#   eval "$(bash .ci/smtp.sh target/ci-venv)"
#   cargo test --locked -p tillit-server --test it -- smtp_
#   kill $SMTP_TEST_PIDS
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-target/ci-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
"$venv/bin/pip" install -q --disable-pip-version-check aiosmtpd >&2
dir=$(mktemp -d)
maildir="$dir/maildir"

# A test CA and a server certificate for localhost (rustls wants a CA and a leaf, not one
# self-signed certificate).
(
  cd "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
    -subj /CN=tillit-test-smtp-ca -days 2 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
    -subj /CN=localhost 2>/dev/null
  printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
    -extfile server.ext 2>/dev/null
)

free_port() {
  "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
pids=()
start() { # NAME PORT [aiosmtpd options…]
  local name=$1 port=$2
  shift 2
  nohup "$venv/bin/python" -m aiosmtpd -n -l "127.0.0.1:$port" "$@" -c aiosmtpd.handlers.Mailbox "$maildir" \
    >"$dir/$name.log" 2>&1 </dev/null &
  pids+=($!)
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  cat "$dir/$name.log" >&2
  echo "aiosmtpd ($name) did not start" >&2
  exit 1
}
plain=$(free_port)
start plain "$plain"
starttls=$(free_port)
start starttls "$starttls" --tlscert "$dir/server.pem" --tlskey "$dir/server.key"
smtps=$(free_port)
start smtps "$smtps" --smtpscert "$dir/server.pem" --smtpskey "$dir/server.key"

echo "export TEST_TILLIT_SMTP=127.0.0.1:$plain TEST_TILLIT_SMTP_STARTTLS=localhost:$starttls" \
  "TEST_TILLIT_SMTPS=localhost:$smtps TEST_TILLIT_SMTP_CA=$dir/ca.pem TEST_TILLIT_SMTP_MAILDIR=$maildir" \
  "SMTP_TEST_PIDS='${pids[*]}'"
