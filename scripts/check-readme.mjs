#!/usr/bin/env node
// Keeps the README runnable: runs every command of its ```sh blocks from the repository root
// (`bash scripts/test.sh`, which is what calls this, is skipped; `bash scripts/demo.sh` runs
// with GNNREC_DEMO_CHECK=1, which fetches the demo page and the bundle once instead of serving
// them, and with GNNREC_SETUP=tests, so its set-up finds the test build in place instead of
// building train-cli again with the demo's features), and checks that every line of its ```html blocks is printed by one of those commands
// (the snippet `train-cli site` prints). Exits 1 on the first failure.
//   node scripts/check-readme.mjs
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = (language) => [...readme.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
const commands = blocks('sh').flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n'))
  .map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));

let printed = '';
for (const command of commands) {
  if (command === 'bash scripts/test.sh') { console.log(`skipped (it runs this check): ${command}`); continue; }
  console.log(`$ ${command}`);
  const started = Date.now();
  const run = spawnSync('bash', ['-c', command], {
    cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, GNNREC_DEMO_CHECK: '1', GNNREC_SETUP: 'tests' },
  });
  printed += run.stdout + run.stderr;
  if (run.status !== 0) {
    console.error(`${run.stdout}\n${run.stderr}\nREADME command failed (exit ${run.status}): ${command}`);
    process.exit(1);
  }
  console.log(`  ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
for (const line of blocks('html').flatMap((block) => block.split('\n')).map((l) => l.trim()).filter(Boolean)) {
  if (!printed.includes(line)) {
    console.error(`README snippet line printed by none of its commands: ${line}`);
    process.exit(1);
  }
}
console.log(`README: ${commands.length} commands and its snippets check out`);
