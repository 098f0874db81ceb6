#!/usr/bin/env bash
# The main job on the bundled demo data: set up (idempotent; builds train-cli and the wasm
# package), train GraphSAGE on MovieLens (ratings + item text), export the static bundle,
# then serve the demo page that searches and recommends in the browser, and print its URL.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
cli=target/release/train-cli

printf '\n== training GraphSAGE on the MovieLens demo data (runs/movielens)\n' >&2
"$cli" train --preset movielens --data-dir data/movielens-small --model sage \
  --epochs "${EPOCHS:-30}" --eval-every 5 --out runs/movielens

printf '\n== exporting the bundle (bundles/movielens)\n' >&2
"$cli" export --run runs/movielens --out bundles/movielens

printf '\n== a search and a recommendation with the bundle (the browser runs the same code)\n' >&2
"$cli" query --bundle bundles/movielens --k 5 "animated film for kids"
"$cli" query --bundle bundles/movielens --history 1,588 --k 5

printf '\n== serving the demo (Ctrl-C to stop)\n' >&2
exec node scripts/serve.mjs --port="${PORT:-8080}" --open=web/demo/index.html
