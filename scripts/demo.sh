#!/usr/bin/env bash
# The main job on the bundled demo data: set up (idempotent), encode the MovieLens
# catalogue with MiniLM, then serve the in-browser encoder page and print its URL.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
mkdir -p out
printf '\n== encoding the demo catalogue (data/movielens-small/movies.csv)\n' >&2
python3 - data/movielens-small/movies.csv <<'PY' > out/demo-texts.txt
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        genres = row["genres"].replace("|", ", ")
        print(f'{row["title"]}. {genres}' if genres != "(no genres listed)" else row["title"])
PY
start=$(date +%s%N)
target/release/train-cli encode --model-dir models/all-MiniLM-L6-v2 --quantized \
  < out/demo-texts.txt > out/demo-embeddings.jsonl
end=$(date +%s%N)
count=$(wc -l < out/demo-embeddings.jsonl)
printf '%s movies encoded in %d ms → out/demo-embeddings.jsonl\n' "$count" $(( (end - start) / 1000000 )) >&2
printf '\n== serving the in-browser encoder (Ctrl-C to stop)\n' >&2
exec node scripts/serve.mjs --port="${PORT:-8080}" --open=web/encoder.html
