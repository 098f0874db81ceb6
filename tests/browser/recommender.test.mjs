// The wasm Recommender on the demo bundle in Debian's headless Chromium: the same top-10
// as `train-cli query` (same ranking crate), no network after loading, and clear errors
// for missing, corrupted or wrong-version bundles.
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, serveRoot, trainCli, testBundle } from './harness.mjs';

let server, browser;
before(async () => { server = await serveRoot(); browser = await launch(); });
after(async () => { await browser.close(); server.close(); });

/** A page of the test site with the loader imported as `window.load(url, options)`. */
async function openPage() {
  const page = await browser.newPage();
  await page.goto(`${server.url}/tests/browser/page.html`);
  await page.evaluate(async () => {
    const { loadRecommender } = await import('/web/recommender.js');
    window.load = (url, options) => loadRecommender(url, options);
  });
  return page;
}

const cli = (args) => JSON.parse(execFileSync(trainCli, ['query', '--bundle', testBundle, ...args]).toString());

const cases = [
  { query: 'animated film for kids', history: [] },
  { query: 'a gritty crime thriller', history: [{ id: '1', timestampMs: 0 }, { id: '588', timestampMs: 86400000 }] },
  { query: 'romantic comedy set in Paris', history: [{ id: '2571', timestampMs: 5 }, { id: 'unknown', timestampMs: 9 }] },
];
const historyArg = (history) => history.map((h) => `${h.id}@${h.timestampMs}`).join(',');

describe('Recommender in the browser (CPU backend)', () => {
  test('search and recommend return what train-cli query returns, with zero network requests', async () => {
    const page = await openPage();
    const stages = await page.evaluate(async (url) => {
      const seen = [];
      window.recommender = await window.load(url, { backend: 'cpu', onProgress: (p) => seen.push(p) });
      return seen;
    }, `/${testBundle.split('/').slice(-2).join('/')}/`);
    assert.equal(stages.at(-1).stage, 'start');
    assert.ok(stages.some((s) => s.stage === 'download' && s.loaded === s.total && s.total > 1e6), JSON.stringify(stages.at(-2)));
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    for (const { query, history } of cases) {
      const inBrowser = await page.evaluate(([q, h]) => window.recommender.search(q, h, 10), [query, history]);
      const native = cli([...(history.length ? ['--history', historyArg(history)] : []), '--k', '10', query]);
      assert.deepEqual(inBrowser.results.map((r) => r.id), native.results.map((r) => r.id), query);
      assert.deepEqual(inBrowser.ignoredHistory, native.ignored_history);
    }
    const history = cases[1].history;
    const recommended = await page.evaluate((h) => window.recommender.recommend(h, 10), history);
    assert.deepEqual(recommended.results.map((r) => r.id), cli(['--history', historyArg(history), '--k', '10']).results.map((r) => r.id));
    assert.ok(recommended.results.every((r) => r.why.startsWith('because you liked ')));
    assert.deepEqual(requests, [], 'searching and recommending stay on the device');
    assert.deepEqual(await page.context().cookies(), []);
    await page.close();
  });

  test('bad requests reject with clear errors instead of panicking', async () => {
    const page = await openPage();
    const messages = await page.evaluate(async (url) => {
      const r = await window.load(url, { backend: 'cpu' });
      const out = [];
      for (const call of [() => r.search('   ', [], 5), () => r.search('x', [{ nope: 1 }], 5), () => r.recommend([], 0)]) {
        try { await call(); out.push('no error'); } catch (e) { out.push(e.message); }
      }
      out.push((await r.search('a'.repeat(10000), [], 3)).results.length);
      return out;
    }, `/${testBundle.split('/').slice(-2).join('/')}/`);
    assert.deepEqual(messages.slice(0, 3).map((m) => typeof m === 'string' && m !== 'no error'), [true, true, true]);
    assert.match(messages[0], /query is empty/);
    assert.match(messages[1], /history must be an array/);
    assert.match(messages[2], /k must be at least 1/);
    assert.equal(messages[3], 3, 'a 10,000-character query still answers');
    await page.close();
  });

  test('missing, corrupted and wrong-version bundles are refused with the file named', async () => {
    const page = await openPage();
    const bundleUrl = `/${testBundle.split('/').slice(-2).join('/')}/`;
    const failure = (url) => page.evaluate((u) => window.load(u, { backend: 'cpu' }).then(() => 'loaded', (e) => e.message), url);
    assert.match(await failure('/no-such-bundle/'), /manifest\.json: HTTP 404/);
    await page.route('**/tensors.safetensors.gz', async (route) => {
      const response = await route.fetch();
      const body = Buffer.from(await response.body());
      body[body.length >> 1] ^= 1;
      await route.fulfill({ response, body });
    });
    assert.match(await failure(bundleUrl), /tensors\.safetensors\.gz: SHA-256 .* \(corrupted file\)/);
    await page.unroute('**/tensors.safetensors.gz');
    await page.route('**/manifest.json', async (route) => {
      const response = await route.fetch();
      const manifest = JSON.parse(await response.text());
      await route.fulfill({ response, body: JSON.stringify({ ...manifest, version: 2 }) });
    });
    assert.match(await failure(bundleUrl), /bundle format version 2, this reader supports version 1/);
    await page.close();
  });
});

describe('demo page (web/index.html)', () => {
  test('loads with progress, searches as you type, likes change recommendations and survive a reload', async () => {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/web/index.html?bundle=/out/test-bundle/&backend=cpu`);
    await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Ready'), null, { timeout: 60000 });
    assert.match(await page.textContent('#status'), /Ready: 9125 items, query encoder on cpu/);
    assert.equal(await page.evaluate(() => document.getElementById('progress').value), 1);
    await page.fill('#query', 'animated film for kids');
    await page.waitForFunction(() => document.querySelectorAll('#results li').length === 10, null, { timeout: 30000 });
    const before = await page.$$eval('#recommended li strong', (els) => els.map((e) => e.textContent));
    await page.click('#results li:first-child button');
    await page.waitForFunction((b) => {
      const now = [...document.querySelectorAll('#recommended li strong')].map((e) => e.textContent);
      return now.length === 10 && now.join() !== b.join();
    }, before, { timeout: 30000 });
    assert.match(await page.textContent('#recommended li .why'), /^because you liked /);
    await page.reload();
    await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Ready'), null, { timeout: 60000 });
    assert.match(await page.textContent('#recommended li .why'), /^because you liked /, 'likes survive a reload');
    await page.click('#clear');
    await page.waitForFunction(() => document.querySelector('#recommended li .why')?.textContent.startsWith('popular'), null, { timeout: 30000 });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
