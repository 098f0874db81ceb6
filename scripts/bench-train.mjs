#!/usr/bin/env node
// Training speed benchmark: runs `train-cli train` for a few epochs per (data set, model) on
// this machine and prints seconds per epoch (evaluation excluded), the cost per training edge
// and per node (which of the two the epoch follows), and peak resident memory.
// LightGCN++ runs with its authors' settings per data set (as bench-time-to-quality.mjs).
// Usage: node scripts/bench-train.mjs [--epochs=3] [--models=lightgcn,lightgcnpp,ngcf,sage]
//        [--data=lastfm,ml-1m,citeulike,amazon-sports,amazon-beauty] [--backend=cpu]
//        [--bin=target/release/train-cli] [--json=out.json] [--batch-size=2048] [--lr=0.001]
// --batch-size and --lr apply to every model (train-cli's defaults otherwise).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchArgs, lightgcnppArgs, splitDir } from './lightgcnpp-splits.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const epochs = args.epochs ?? '3';
const models = (args.models ?? 'lightgcn,lightgcnpp,ngcf,sage').split(',');
const datasets = (args.data ?? 'lastfm,ml-1m').split(',');
const backend = args.backend ?? 'cpu';
const bin = join(root, args.bin ?? 'target/release/train-cli');


/** Users, items and training interactions of a LightGCN split (`user item item ...` lines). */
function shape(dir) {
  let users = 0, items = 0, edges = 0;
  for (const line of readFileSync(join(dir, 'train.txt'), 'utf8').split('\n')) {
    const ids = line.trim().split(/\s+/).filter(Boolean).map(Number);
    if (ids.length === 0) continue;
    users = Math.max(users, ids[0] + 1);
    for (const i of ids.slice(1)) items = Math.max(items, i + 1);
    edges += ids.length - 1;
  }
  return { users, items, edges };
}

const rows = [];
for (const data of datasets) {
  const dir = splitDir(root, data);
  const { users, items, edges } = shape(dir);
  for (const model of models) {
    const out = mkdtempSync(join(tmpdir(), 'gnnrec-bench-'));
    const extra = model === 'lightgcnpp' ? lightgcnppArgs(data) : [];
    execFileSync(bin, ['train', '--split-dir', dir, '--model', model, '--out', out, '--epochs', epochs,
      '--eval-every', epochs, '--backend', backend, ...batchArgs(args), ...extra], { stdio: ['ignore', 'ignore', 'inherit'] });
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    rows.push({ data, users, items, edges, model, propagation: m.propagation.join('+'), seconds_per_epoch: m.seconds_per_epoch,
      us_per_edge: (m.seconds_per_epoch / edges) * 1e6, us_per_node: (m.seconds_per_epoch / (users + items)) * 1e6,
      peak_rss_mib: m.peak_rss_bytes / 2 ** 20, valid_ndcg20: m.valid?.['ndcg@20'] ?? null });
    rmSync(out, { recursive: true, force: true });
  }
}
console.log(`\ntrain-cli train, ${epochs} epochs, batch ${args['batch-size'] ?? 'default'}, lr ${args.lr ?? 'default'}, backend ${backend}, ${cpus().length} × ${cpus()[0].model}\n`);
console.log('| data set | users | items | train edges | model | propagation | s/epoch | µs/edge | µs/node | peak RSS (MiB) |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.data} | ${r.users} | ${r.items} | ${r.edges} | ${r.model} | ${r.propagation} | ` +
    `${r.seconds_per_epoch.toFixed(2)} | ${r.us_per_edge.toFixed(1)} | ${r.us_per_node.toFixed(1)} | ${r.peak_rss_mib.toFixed(0)} |`);
}
if (args.json) writeFileSync(args.json, JSON.stringify(rows, null, 2) + '\n');
