#!/usr/bin/env bash
# What the test suite needs beyond scripts/setup.sh: the browsers and their WebDriver servers
# (Debian Chromium, Firefox ESR with geckodriver, WebKitGTK's WebKitWebDriver under Xvfb) and
# lavapipe for native wgpu. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
step() { printf '\n== %s [%s]\n' "$*" "$(date +%T)" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

step "Debian packages (chromium, firefox-esr and WebKitGTK's driver with xvfb for the browser tests, lavapipe for native wgpu)"
missing=()
for pkg in chromium firefox-esr webkit2gtk-driver xvfb mesa-vulkan-drivers libvulkan1; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# geckodriver compiles while scripts/setup.sh builds (two builds share 2 cores better than one).
step "geckodriver (Firefox's WebDriver server, from crates.io): started (log: target/setup/geckodriver.log)"
mkdir -p target/setup
geckodriver_version=0.37.1
{ geckodriver --version 2>/dev/null | grep -q "^geckodriver $geckodriver_version" \
  || env -u RUSTC_WORKSPACE_WRAPPER cargo install --locked geckodriver --version "$geckodriver_version"; } \
  >target/setup/geckodriver.log 2>&1 &
geckodriver=$!

GNNREC_SETUP=tests scripts/setup.sh
wait "$geckodriver" || { tail -n 40 target/setup/geckodriver.log >&2; step "geckodriver: FAILED"; exit 1; }
step "geckodriver: done"
