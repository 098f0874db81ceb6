#!/usr/bin/env bash
# The main job on the bundled demo data: set up (idempotent; builds train-cli and the widget
# package), build the site of the MovieLens demo catalogue (ratings, titles, genres and tags:
# the model chosen on validation, the bundle, the widget's files), answer a search and a
# recommendation natively, then serve the demo page that searches and recommends in the
# browser, and print its URL. GNNREC_DEMO_CHECK=1 fetches the page and the bundle once and
# exits instead of serving (what CI runs).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
cli=target/release/train-cli

printf '\n== the demo catalogue as a site (bundles/movielens)\n' >&2
"$cli" site --config data/movielens-small/site.toml --out bundles/movielens --base-url /bundles/movielens

printf '\n== a search and a recommendation with the bundle (the browser runs the same code)\n' >&2
"$cli" query --bundle bundles/movielens/bundle --k 5 "animated film for kids"
"$cli" query --bundle bundles/movielens/bundle --history 1,588 --k 5

printf '\n== serving the demo (Ctrl-C to stop)\n' >&2
exec node scripts/serve.mjs --port="${PORT:-8080}" --open=web/demo/index.html \
  ${GNNREC_DEMO_CHECK:+--check=web/demo/index.html,bundles/movielens/bundle/manifest.json,pkg/gnnrec_wasm_bg.wasm}
