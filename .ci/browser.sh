#!/usr/bin/env bash
# The officer portal in Chromium: makes the demo's data, starts `tillit serve` on free loopback
# ports, runs tests/browser/*.test.mjs against it, stops the node and verifies the audit log.
#   bash .ci/browser.sh target/debug/tillit
# Needs /usr/bin/chromium (apt-get install chromium), Node >= 20 and tests/browser/node_modules
# (cd tests/browser && npm ci --ignore-scripts). See docs/browser-tests.md.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 path/to/tillit" >&2; exit 2; }
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/.."
[ -x "$bin" ] || { echo "$bin: not an executable; build it with cargo build -p tillit" >&2; exit 2; }
[ -d tests/browser/node_modules/playwright-core ] || {
  echo "tests/browser/node_modules is missing: (cd tests/browser && npm ci --ignore-scripts)" >&2
  exit 2
}

tmp=$(mktemp -d)
pid=
ok=0
stage=start
finish() {
  local rc=$?
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ "$ok" != 1 ]; then
    # The demo's log (it has the officers' throwaway passwords) only when the demo failed.
    for log in $([ "$stage" = demo ] && echo demo) serve; do
      if [ -s "$tmp/$log.log" ]; then
        echo "--- $log log (last 200 lines)" >&2
        tail -n 200 "$tmp/$log.log" >&2
      fi
    done
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap finish EXIT

# Screenshots and axe results of this run only.
rm -rf target/browser-artifacts

# The demo organisation, and its summary for the tests (the officers' enrolment links and
# credentials, the people the tests use; it holds passwords, and goes with $tmp).
demo_args=(demo --data "$tmp/data" --json "$tmp/demo.json")
echo "browser: $(basename "$bin") ${demo_args[*]}"
stage=demo
"$bin" "${demo_args[@]}" >"$tmp/demo.log" 2>&1
[ -s "$tmp/demo.json" ] || { echo "browser: tillit demo wrote no $tmp/demo.json" >&2; exit 1; }

# The officers' signatures the demo's own walk left (all with certificates); the suite's
# flows add passkey-signed ones, which the check after the suite counts.
signatures() {
  local out
  if ! out=$("$bin" audit verify --data "$tmp/data" 2>&1); then
    echo "$out" >&2
    echo "browser: tillit audit verify failed" >&2
    return 1
  fi
  case "$(echo "$out" | tail -n 1)" in
    ok*) ;;
    *) echo "$out" >&2; echo "browser: audit verify did not end with ok" >&2; return 1 ;;
  esac
  echo "$out" | tail -n 3 >&2
  echo "$out" | sed -n 's/^\([0-9][0-9]*\) officer signatures verified$/\1/p'
}
stage=audit
demo_signed=$(signatures)
[ -n "$demo_signed" ] || { echo "browser: audit verify printed no 'N officer signatures verified'" >&2; exit 1; }
echo "browser: the demo's log holds $demo_signed officer signatures"
stage=serve

# The node, on ports the system picks; serve prints the addresses to open.
"$bin" serve --data "$tmp/data" --listen 127.0.0.1:0 --listen-tls 127.0.0.1:0 >"$tmp/serve.log" 2>&1 &
pid=$!
portal= tls=
for _ in $(seq 300); do
  portal=$(grep -m1 -oE '^portal: http://localhost:[0-9]+/$' "$tmp/serve.log" | cut -d' ' -f2 || true)
  tls=$(grep -m1 -oE '^https: https://localhost:[0-9]+/$' "$tmp/serve.log" | cut -d' ' -f2 || true)
  [ -n "$portal" ] && [ -n "$tls" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "browser: tillit serve exited early" >&2; exit 1; }
  sleep 0.1
done
[ -n "$portal" ] && [ -n "$tls" ] || { echo "browser: tillit serve printed no addresses within 30 s" >&2; exit 1; }
# The addresses are printed before the listeners serve: wait until the portal answers.
for _ in $(seq 100); do
  node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$portal" && break
  sleep 0.1
done
echo "browser: portal $portal, https $tls"

started=$SECONDS
# Set for node only: tillit itself reads every TILLIT_* variable as configuration and refuses
# unknown ones, so they must not reach the `tillit audit verify` below.
TILLIT_URL="$portal" TILLIT_TLS_URL="$tls" TILLIT_DEMO="$tmp/demo.json" \
  node --test --test-concurrency=1 tests/browser/*.test.mjs
echo "browser: suite took $((SECONDS - started)) s; artifacts in target/browser-artifacts/"

# Stop the node (by its PID), then check the audit log it and the demo wrote, offline: it
# verifies, and holds the officers' signatures the suite's flows made with passkeys (each
# checked offline as WebAuthn assertions over the action text) beside the demo's.
kill "$pid"
wait "$pid" || true
pid=
stage=audit
all_signed=$(signatures)
[ -n "$all_signed" ] || { echo "browser: audit verify printed no 'N officer signatures verified'" >&2; exit 1; }
if [ "$all_signed" -le "$demo_signed" ]; then
  echo "browser: the log holds $all_signed officer signatures, the demo left $demo_signed: the suite's flows added no passkey-signed entry" >&2
  exit 1
fi
echo "browser: officer signatures verified: $all_signed ($((all_signed - demo_signed)) signed with passkeys in the portal)"
ok=1
