#!/usr/bin/env bash
# The whole test suite: set up (idempotent), then lint, native tests, the quality tests, the
# widget and package tests, the README's commands, and the browser tests. Every artefact is
# built once (release profile) and shared by all tests.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# Each stage's heading says when it started (wall clock), so a slow stage shows in the log.
stage() { printf '\n== %s [%s]\n' "$*" "$(date +%T)" >&2; }
stage 'lint: rustfmt --check, files importing each other'
cargo fmt --all --check
node scripts/module-cycles.mjs
# Clippy runs inside the builds: as the compiler wrapper of the workspace's own crates
# (dependencies are unaffected), so every target is linted with the workspace's [lints]
# (warnings denied) while it is built for the tests, instead of being compiled a second time
# by `cargo clippy`.
export RUSTC_WORKSPACE_WRAPPER=clippy-driver
scripts/setup-tests.sh
stage 'native tests (cargo test --release)'
cargo test --release
stage 'quality tests: the long training runs, #[ignore = "quality: …"] (cargo test --release -- --ignored)'
cargo test --release -- --ignored
stage 'widget unit tests and the npm package (npm pack, install, tsc --strict)'
node --test tests/widget/ tests/package/
stage "the README's commands (the demo in check mode, the own-site example)"
node scripts/check-readme.mjs
stage 'demo bundle for the browser tests (out/test-bundle: MovieLens, GraphSAGE, 2 epochs)'
target/release/train-cli train --preset movielens --data-dir data/movielens-small --model sage \
  --epochs 2 --eval-every 2 --out out/test-run
target/release/train-cli export --format v1 --run out/test-run --out out/test-bundle
stage 'browser tests (Debian Chromium via playwright-core; Firefox ESR and WebKitGTK via WebDriver)'
# One file at a time: each drives a browser, and two at once on 2 cores only cause timeouts.
# --test-force-exit: a file whose tests are done exits even if a handle (a browser left open
# by a failing test) would keep it alive, so a failure cannot hang the run.
node --test --test-concurrency=1 --test-force-exit tests/browser/
