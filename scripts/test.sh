#!/usr/bin/env bash
# The whole test suite: set up (idempotent), then native tests and browser tests.
# Every artefact is built once (release profile) and shared by all tests.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
printf '\n== lint (rustfmt --check, clippy -D warnings on every target)\n' >&2
cargo fmt --all --check
cargo clippy --release --all-targets -- -D warnings
cargo clippy --profile wasm-release -p gnnrec-wasm --target wasm32-unknown-unknown -- -D warnings
printf '\n== native tests (cargo test --release)\n' >&2
cargo test --release
printf '\n== demo bundle for the browser tests (out/test-bundle: MovieLens, GraphSAGE, 2 epochs)\n' >&2
target/release/train-cli train --preset movielens --data-dir data/movielens-small --model sage \
  --epochs 2 --eval-every 2 --out out/test-run
target/release/train-cli export --format v1 --run out/test-run --out out/test-bundle
printf '\n== browser tests (Debian Chromium via playwright-core)\n' >&2
# One file at a time: each drives a browser, and two at once on 2 cores only cause timeouts.
node --test --test-concurrency=1 tests/browser/
