#!/usr/bin/env bash
# The project's test command: installs what it needs, then runs formatting, lints,
# the wasm32 build and every test. Safe to run again; installed tools are reused.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never CARGO_INCREMENTAL=0

step() { printf '\n=== [%s] %s\n' "$(date +%T)" "$*"; }
SECONDS=0

step "toolchain"
rustup component add rustfmt clippy >/dev/null 2>&1 || true
rustup target list --installed | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown

step "format"
cargo fmt --all -- --check

step "lints (native, every target)"
cargo clippy --locked --workspace --all-targets -- -D warnings

step "lints and build (wasm32)"
cargo clippy --locked --target wasm32-unknown-unknown -p koodrive-core -p koodrive-wasm -- -D warnings
cargo build --locked --target wasm32-unknown-unknown -p koodrive-core -p koodrive-wasm

step "tests (unit, vectors, emulator end to end)"
cargo test --locked --workspace 2>&1 | tee target/test-output.txt

step "quick start against the embedded emulator"
cargo run --locked -q -p koodrive-examples --bin quickstart

step "done in ${SECONDS}s"
passed=$(grep -Eo '[0-9]+ passed' target/test-output.txt | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' target/test-output.txt | awk '{s+=$1} END {print s+0}')
echo "rust: ${passed} passed, ${failed} failed"
