// Hostile bundles and arguments in the browser: files altered and signed again (correct size
// and SHA-256 in the manifest) whose contents would index out of range, and a `k` of any size.
// Each gives a typed error or a notice, never a wasm panic: after each one the same page (the
// same wasm module) still loads and answers.
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, root, serveRoot, storedFile, testBundle } from './harness.mjs';

const out = join(root, 'out/hostile');
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Replaces the gzip JSON file of `dir` at `path` with `edit(json)`, and returns its new entry
 *  fields (size and digest of the stored bytes). */
function reSign(dir, path, edit) {
  const json = JSON.parse(gunzipSync(readFileSync(join(dir, path))));
  edit(json);
  const stored = gzipSync(Buffer.from(JSON.stringify(json)));
  writeFileSync(join(dir, path), stored);
  return { bytes: stored.length, sha256: sha256(stored) };
}

/** The frozen v2 fixture with its first directory bucket's first entry pointing at GNN shard
 *  99 (there is one); returns that entry's item id. */
function directoryBundle() {
  const dir = join(out, 'directory');
  cpSync(join(root, 'tests/fixtures/bundles/v2-lightgcn'), dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  let id;
  Object.assign(manifest.directory[0], reSign(dir, manifest.directory[0].path, (bucket) => {
    [[id]] = bucket.entries;
    bucket.entries[0][2] = 99;
  }));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  rmSync(join(dir, 'manifest.json.gz'));
  return id;
}

/** The test bundle with a tokenizer whose template names a special token it does not define
 *  (the `tokenizers` crate panicked on it). */
function tokenizerBundle() {
  const dir = join(out, 'tokenizer');
  cpSync(testBundle, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const name = 'encoder/tokenizer.json.gz';
  const path = storedFile(dir, name).slice(dir.length + 1);
  Object.assign(manifest.files[name], reSign(dir, path, (tokenizer) => {
    tokenizer.post_processor.single[0].SpecialToken.id = '[NOPE]';
  }));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

let server, browser, page;
before(async () => {
  rmSync(out, { recursive: true, force: true });
  server = await serveRoot();
  browser = await launch();
  page = await browser.newPage();
  await page.goto(`${server.url}/tests/browser/page.html`);
  await page.evaluate(async () => {
    const { loadWasmRecommender } = await import('/pkg/wasm-loader.js');
    window.load = (url, options) => loadWasmRecommender(url, { backend: 'cpu', ...options });
  });
});
after(async () => { await browser.close(); server.close(); });

const goodBundle = `/${testBundle.split('/').slice(-2).join('/')}/`;
/** Loads the good test bundle in the page and searches it: the wasm module still works. */
const stillWorks = () => page.evaluate(async (url) => (await (await window.load(url)).search('toy story', [], 3)).results.length, goodBundle);

test('a correctly hashed directory entry outside the bundle: a notice naming the item, and the ranker goes on', async () => {
  const id = directoryBundle();
  const { notices, again } = await page.evaluate(async ([url, id]) => {
    // The fixture's encoder is a stand-in (the ranking is under test): never loaded here.
    // privacy 'off': the request itself fetches the bucket (strict would fetch it in the background).
    const r = await window.load(url, { encoder: 'on-demand', privacy: 'off' });
    const { notices } = await r.recommend([{ id, timestampMs: 0 }], 5);
    const again = (await r.recommend([{ id: 'm1', timestampMs: 0 }], 5)).results.length;
    return { notices, again };
  }, ['/out/hostile/directory/', id]);
  assert.ok(notices.some((n) => n.includes('which the bundle does not have') && n.includes(id)), notices.join('\n'));
  assert.equal(again, 5, 'the same ranker answers the next request');
  assert.equal(await stillWorks(), 3);
});

test('a correctly hashed tokenizer with a broken template: a load error naming the file, no panic', async () => {
  tokenizerBundle();
  const message = await page.evaluate((url) => window.load(url).then(() => 'loaded', (e) => e.message), '/out/hostile/tokenizer/');
  assert.match(message, /tokenizer\.json.*names the special token "\[NOPE\]"/);
  assert.doesNotMatch(message, /panicked|unreachable/);
  assert.equal(await stillWorks(), 3);
});

test('a huge k is clamped to the catalogue', async () => {
  const counts = await page.evaluate(async (url) => {
    const r = await window.load(url);
    return [
      (await r.search('toy story', [], 1e9)).results.length,
      (await r.search('toy story', [], 2 ** 32 + 5)).results.length,
      r.recommend([{ id: '1', timestampMs: 0 }], Number.MAX_SAFE_INTEGER).results.length,
      r.itemCount,
    ];
  }, goodBundle);
  const [huge, wrapped, recommend, items] = counts;
  assert.ok(huge > 0 && huge <= items && recommend > 0 && recommend <= items, counts.join(' '));
  assert.ok(wrapped <= items, counts.join(' '));
  assert.equal(await stillWorks(), 3);
});
