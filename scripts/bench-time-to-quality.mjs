#!/usr/bin/env node
// Time to quality: wall-clock from `train-cli train` start until the test NDCG@20 of a
// validated model first reaches a target, with peak resident memory, per (data set, model).
// Learned models run with --monitor-test (test metrics recorded at every validation, never
// used for selection); the graph filter and its blend with LightGCN++ give one model, so
// their time is the whole command (the blend's LightGCN++ runs --blend-epochs epochs).
// Protocol: LightGCN++ public splits, full ranking, training items excluded, NDCG@20.
// Usage: node scripts/bench-time-to-quality.mjs [--data=ml-1m,lastfm] [--models=graph-filter,lightgcnpp]
//        [--epochs=400] [--eval-every=5] [--blend-epochs=60] [--bin=target/release/train-cli] [--json=out.json]
//        [--batch-size=2048] [--lr=0.001]   (learned models only; train-cli's defaults otherwise)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchArgs, lightgcnppArgs, splitDir } from './lightgcnpp-splits.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const datasets = (args.data ?? 'ml-1m,lastfm').split(',');
const models = (args.models ?? 'graph-filter,lightgcnpp').split(',');
const bin = join(root, args.bin ?? 'target/release/train-cli');

// Published LightGCN++ test NDCG@20 (their Table 7); the other splits have no published figure.
const targets = { 'ml-1m': 0.3275, lastfm: 0.2624 };

const closedForm = (model) => model === 'graph-filter' || model === 'graph-filter-blend';

function modelArgs(model, data) {
  if (model === 'graph-filter') return [];
  if (model === 'graph-filter-blend') {
    return ['--epochs', args['blend-epochs'] ?? '60', '--eval-every', args['eval-every'] ?? '5', ...batchArgs(args),
      ...lightgcnppArgs(data)];
  }
  const learned = ['--epochs', args.epochs ?? '400', '--eval-every', args['eval-every'] ?? '5', '--patience', '10',
    '--plateau-patience', '4', '--monitor-test', ...batchArgs(args)];
  if (model !== 'lightgcnpp') return learned;
  return [...learned, ...lightgcnppArgs(data)];
}

const rows = [];
for (const data of datasets) {
  for (const model of models) {
    const out = mkdtempSync(join(tmpdir(), 'gnnrec-ttq-'));
    const command = ['train', '--split-dir', splitDir(root, data), '--model', model, '--out', out, ...modelArgs(model, data)];
    const started = process.hrtime.bigint();
    execFileSync(bin, command, { stdio: ['ignore', 'ignore', 'inherit'] });
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    const target = targets[data];
    let reached = null;
    if (closedForm(model)) {
      if (target !== undefined && m.test['ndcg@20'] >= target) reached = m.wall_seconds;
    } else if (target !== undefined) {
      reached = m.history.find((r) => r.test && r.test['ndcg@20'] >= target)?.elapsed ?? null;
    }
    rows.push({
      data, model, target: target ?? null, reached_seconds: reached, test_ndcg20: m.test['ndcg@20'],
      test_recall20: m.test['recall@20'], wall_seconds: wall, peak_rss_mib: m.peak_rss_bytes / 2 ** 20,
      epochs: m.epochs ?? m.lightgcnpp?.epochs ?? 0, best_epoch: m.best_epoch ?? m.lightgcnpp?.best_epoch ?? null, command: `train-cli ${command.slice(0, 1).join(' ')} ` +
        command.slice(1).map((a) => (a === out ? 'OUT' : a)).join(' '),
    });
    rmSync(out, { recursive: true, force: true });
  }
}

const fmt = (v, d) => (v === null || v === undefined ? '—' : v.toFixed(d));
console.log(`\nTime to quality, ${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
  'test NDCG@20 of the validation-selected model, full ranking, training items excluded\n');
console.log('| data set | model | target NDCG@20 | reached after (s) | test NDCG@20 | test Recall@20 | wall (s) | epochs (best) | peak RSS (MiB) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const reached = r.target === null ? 'no target' : r.reached_seconds === null ? 'not reached' : fmt(r.reached_seconds, 1);
  console.log(`| ${r.data} | ${r.model} | ${fmt(r.target, 4)} | ${reached} | ${fmt(r.test_ndcg20, 4)} | ` +
    `${fmt(r.test_recall20, 4)} | ${fmt(r.wall_seconds, 1)} | ${r.epochs ? `${r.epochs} (${r.best_epoch})` : 'closed form'} | ${fmt(r.peak_rss_mib, 0)} |`);
}
if (args.json) writeFileSync(args.json, JSON.stringify(rows, null, 2) + '\n');
