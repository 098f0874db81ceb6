#!/usr/bin/env node
// `train-cli site` from files to a hostable folder, timed as a whole command with peak
// resident memory (GNU time), on a cold embedding cache (encoding included). Two real public
// catalogues:
//   - debian-10k: 10,000 Debian bookworm packages (every 6th by name from the APT index on this
//     machine, `apt-get update` writes it): name, synopsis, section and debtags as text, homepage
//     as link; items alone.
//   - ml-1m: the LightGCN++ ml-1m split (data/lightgcnpp/ml-1m: 6,039 users, 3,628 items, every
//     train/valid/test interaction as a purchase, no rating), items named by their id (the split
//     has no titles); the model is chosen on validation.
// Prints a table. Usage: node scripts/bench-site.mjs [--catalogues=debian-10k,ml-1m] [--bin=target/release/train-cli]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const catalogues = (args.catalogues ?? 'debian-10k,ml-1m').split(',');
const bin = join(root, args.bin ?? 'target/release/train-cli');
const work = mkdtempSync(join(tmpdir(), 'bench-site-'));

/** A CSV field (quoted when it holds a separator, a quote or a newline). */
const field = (v) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** 10,000 Debian packages as items.csv. */
function debian(dir) {
  const lists = '/var/lib/apt/lists';
  // The largest main index: the release's, not the security or updates pockets'.
  const index = readdirSync(lists).filter((f) => /_main_binary-amd64_Packages(\.lz4)?$/.test(f))
    .sort((a, b) => statSync(join(lists, b)).size - statSync(join(lists, a)).size)[0];
  if (!index) throw new Error(`no APT package index in ${lists}: run apt-get update`);
  const text = execFileSync('/usr/lib/apt/apt-helper', ['cat-file', join(lists, index)], { maxBuffer: 1 << 30 }).toString();
  const packages = text.split('\n\n').map((stanza) => {
    const entry = {};
    let key = null;
    for (const line of stanza.split('\n')) {
      if (line.startsWith(' ') && key) entry[key] += ` ${line.trim()}`;
      else if (line.includes(': ')) { [key] = line.split(': ', 1); entry[key] = line.slice(key.length + 2); }
    }
    return entry;
  }).filter((p) => p.Package && p.Description).sort((a, b) => a.Package.localeCompare(b.Package));
  const step = Math.floor(packages.length / 10000);
  const rows = packages.filter((_, i) => i % step === 0).slice(0, 10000).map((p) =>
    [p.Package, p.Package, p.Description, p.Section ?? '', (p.Tag ?? '').replaceAll(', ', '|'), p.Homepage ?? '']
      .map(field).join(','));
  writeFileSync(join(dir, 'items.csv'), ['id,title,description,section,tags,url', ...rows].join('\n') + '\n');
  return { items: rows.length, interactions: 0, files: ['--items', join(dir, 'items.csv')] };
}

/** The ml-1m split as items.csv and purchases.csv. */
function ml1m(dir) {
  const split = join(root, 'data/lightgcnpp/ml-1m');
  const purchases = [];
  const items = new Set();
  for (const part of ['train.txt', 'valid.txt', 'test.txt']) {
    for (const line of readFileSync(join(split, part), 'utf8').trim().split('\n')) {
      const [user, ...list] = line.trim().split(/\s+/);
      for (const item of list) { purchases.push(`${user},${item}`); items.add(Number(item)); }
    }
  }
  const ids = [...items].sort((a, b) => a - b);
  writeFileSync(join(dir, 'items.csv'), ['id,title', ...ids.map((i) => `${i},item ${i}`)].join('\n') + '\n');
  writeFileSync(join(dir, 'purchases.csv'), ['user,item', ...purchases].join('\n') + '\n');
  return {
    items: ids.length, interactions: purchases.length,
    files: ['--items', join(dir, 'items.csv'), '--interactions', join(dir, 'purchases.csv')],
  };
}

/** Bytes under `path`. */
const size = (path) => (statSync(path).isDirectory()
  ? readdirSync(path).reduce((sum, f) => sum + size(join(path, f)), 0) : statSync(path).size);

const makers = { 'debian-10k': debian, 'ml-1m': ml1m };
const rows = [];
for (const name of catalogues) {
  const dir = join(work, name);
  execFileSync('mkdir', ['-p', dir]);
  const catalogue = makers[name](dir);
  const out = join(dir, 'site');
  const run = spawnSync('/usr/bin/time', ['-v', bin, 'site', ...catalogue.files, '--out', out,
    '--cache-dir', join(dir, 'cache'), '--encoder-dir', join(root, 'models/all-MiniLM-L6-v2'),
    '--package', join(root, 'pkg')], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`${name}: train-cli site failed:\n${run.stderr}`);
  const wall = run.stderr.match(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.*)/)[1];
  const seconds = wall.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
  const rss = Number(run.stderr.match(/Maximum resident set size \(kbytes\): (\d+)/)[1]) / 1024;
  const model = run.stderr.match(/^model: (\S+)/m)[1];
  rows.push({ name, ...catalogue, model, seconds, rss, bundle: size(join(out, 'bundle')) / 1e6 });
}
rmSync(work, { recursive: true, force: true });

console.log(`train-cli site, cold embedding cache; ${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
console.log('| catalogue | items | interactions | model chosen | files → folder (s) | peak RSS (MiB) | bundle (MB) |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.items} | ${r.interactions} | ${r.model} | ${r.seconds.toFixed(1)} | ${r.rss.toFixed(0)} | ${r.bundle.toFixed(1)} |`);
}
