#!/usr/bin/env bash
# Runs the cargo-fuzz targets of tillit-pki (OCSP requests, PKCS#10 requests) for SECONDS each
# from the committed seeds. libFuzzer needs nightly flags; RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept them. One input taking over 10 s is a failure (a hang). Installs cargo-fuzz
# when missing.
# Usage: bash .ci/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../crates/tillit-pki"
seconds=${1:-30}
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
export RUSTC_BOOTSTRAP=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for target in ocsp_request csr; do
  mkdir -p "fuzz/corpus/$target"
  if ! cargo fuzz run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    echo "fuzz: $target failed:"; tail -60 "$log"; exit 1
  fi
  echo "fuzz: $target: $(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}') runs in ${seconds}s, no failure"
done
