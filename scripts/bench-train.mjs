#!/usr/bin/env node
// Training speed benchmark: runs `train-cli train` for a few epochs per (data set, model) on
// this machine and prints seconds per epoch, evaluation excluded, and peak resident memory.
// Usage: node scripts/bench-train.mjs [--epochs=3] [--models=lightgcn,lightgcnpp,ngcf,sage]
//        [--data=lastfm,ml-1m] [--backend=cpu] [--bin=target/release/train-cli]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const epochs = args.epochs ?? '3';
const models = (args.models ?? 'lightgcn,lightgcnpp,ngcf,sage').split(',');
const datasets = (args.data ?? 'lastfm,ml-1m').split(',');
const backend = args.backend ?? 'cpu';
const bin = join(root, args.bin ?? 'target/release/train-cli');

const rows = [];
for (const data of datasets) {
  for (const model of models) {
    const out = mkdtempSync(join(tmpdir(), 'gnnrec-bench-'));
    execFileSync(bin, ['train', '--split-dir', join(root, 'data/lightgcnpp', data), '--model', model, '--out', out,
      '--epochs', epochs, '--eval-every', epochs, '--backend', backend], { stdio: ['ignore', 'ignore', 'inherit'] });
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    rows.push([data, model, m.propagation.join('+'), m.seconds_per_epoch.toFixed(2), (m.peak_rss_bytes / 2 ** 20).toFixed(0)]);
    rmSync(out, { recursive: true, force: true });
  }
}
console.log(`\ntrain-cli train, ${epochs} epochs, batch 2048, backend ${backend}, ${cpus().length} × ${cpus()[0].model}\n`);
console.log('| data set | model | propagation | s/epoch | peak RSS (MiB) |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
