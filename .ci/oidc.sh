#!/usr/bin/env bash
# The eID's OpenID Connect provider against a real client library: `tillit demo` issues two
# Danish citizens an eID (a key card, a code display) and activates them; the node serves the
# demo's data; .ci/oidc_rp.py signs both in as a relying party built on authlib, validates
# the ID tokens against the published keys, has an officer revoke one eID over the API and
# checks that its sign-in is refused. Loopback only; the node is stopped at the end.
#
# Usage: .ci/oidc.sh TILLIT_BINARY VENV   (the venv has authlib, pyotp, requests, cryptography)
set -euo pipefail
bin=$(realpath "$1")
venv=$2
work=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
"$bin" demo --data "$work/data" --json "$work/demo.json" > "$work/demo.log" || { cat "$work/demo.log"; exit 1; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The issuer is the public base URL: the address the relying party reaches.
TILLIT_PUBLIC_BASE_URL="http://127.0.0.1:$port" "$bin" serve --data "$work/data" \
    --listen "127.0.0.1:$port" --listen-tls 127.0.0.1:0 > "$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do
    grep -q '^https:' "$work/serve.log" && break
    sleep 0.2
done
https=$(grep '^https:' "$work/serve.log" | head -1 | awk '{print $2}' | sed 's:/$::')
[ -n "$https" ] || { cat "$work/serve.log"; exit 1; }
timeout 300 "$venv/bin/python" .ci/oidc_rp.py "http://127.0.0.1:$port" "$https" "$work/data/tls/chain.pem" "$work/demo.json"
