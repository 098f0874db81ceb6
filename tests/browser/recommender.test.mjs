// The wasm Recommender on the demo bundle in Debian's headless Chromium: the same top-10
// as `train-cli query` (same ranking crate), no network after loading, and clear errors
// for missing, corrupted or wrong-version bundles.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, nativeQuery, serveRoot, storedFile, testBundle } from './harness.mjs';

let server, browser;
before(async () => { server = await serveRoot(); browser = await launch(); });
after(async () => { await browser.close(); server.close(); });

/** A page of the test site with the loader imported as `window.load(url, options)`. */
async function openPage() {
  const page = await browser.newPage();
  await page.goto(`${server.url}/tests/browser/page.html`);
  await page.evaluate(async () => {
    const { loadWasmRecommender } = await import('/pkg/wasm-loader.js');
    window.load = (url, options) => loadWasmRecommender(url, options);
  });
  return page;
}

const cli = nativeQuery;

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
      assert.deepEqual(inBrowser.ignoredHistory, native.ignoredHistory);
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
    await page.route('**/tensors.*.safetensors.gz', async (route) => {
      const response = await route.fetch();
      const body = Buffer.from(await response.body());
      body[body.length >> 1] ^= 1;
      await route.fulfill({ response, body });
    });
    assert.match(await failure(bundleUrl), /tensors\.safetensors\.gz: SHA-256 .* \(corrupted file\)/);
    await page.unroute('**/tensors.*.safetensors.gz');
    await page.route('**/manifest.json', async (route) => {
      const response = await route.fetch();
      const manifest = JSON.parse(await response.text());
      await route.fulfill({ response, body: JSON.stringify({ ...manifest, version: 3 }) });
    });
    assert.match(await failure(bundleUrl), /bundle format version 3, this reader supports version 1/);
    await page.close();
  });
});

describe('<gnn-recommender> on the demo page (web/demo/index.html)', () => {
  const ready = (page) => page.waitForFunction(
    () => document.querySelector('gnn-recommender')?.shadowRoot?.getElementById('status')?.textContent.startsWith('Ready'),
    null, { timeout: 60000 });

  test('loads with progress, searches as you type, likes change recommendations and survive a reload', async () => {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/web/demo/index.html?bundle=/out/test-bundle/&backend=cpu`);
    await ready(page);
    assert.match(await page.textContent('#status'), /Ready: 9125 items/);
    assert.equal(await page.textContent('#backend'), 'CPU');
    assert.equal(await page.$eval('#progress', (p) => p.value), 1);
    const popular = await page.textContent('#recommended li .why');
    assert.match(popular, /^popular/);
    await page.fill('#query', 'animated film for kids');
    await page.waitForFunction(() => document.querySelector('gnn-recommender').shadowRoot.querySelectorAll('#results li').length === 10, null, { timeout: 30000 });
    await page.click('#results li:first-child button.like');
    await page.waitForFunction(() => document.querySelector('gnn-recommender').shadowRoot
      .querySelector('#recommended li .why')?.textContent.startsWith('because you liked'), null, { timeout: 30000 });
    await page.waitForFunction(() => document.querySelector('gnn-recommender').shadowRoot
      .querySelector('#results button.like[aria-pressed="true"]'), null, { timeout: 30000 });
    await page.reload();
    await ready(page);
    await page.waitForFunction(() => document.querySelector('gnn-recommender').shadowRoot
      .querySelector('#recommended li .why')?.textContent.startsWith('because you liked'), null, { timeout: 30000 });
    await page.click('#clear');
    await page.waitForFunction(() => document.querySelector('gnn-recommender').shadowRoot
      .querySelector('#recommended li .why')?.textContent.startsWith('popular'), null, { timeout: 30000 });
    assert.deepEqual(await page.evaluate(() => document.querySelector('gnn-recommender').recommender.history()), []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('catalogue markup renders as text, and using the widget makes no network request', async () => {
    // No service worker here: requests it makes would bypass the page's request routing.
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    // Serve the test bundle with item 0 retitled to markup (manifest entry updated to match).
    let manifest;
    await page.route('**/out/test-bundle/manifest.json', async (route) => {
      const response = await route.fetch();
      manifest = JSON.parse(await response.text());
      const items = JSON.parse(gunzipSync(readFileSync(storedFile(testBundle, 'items.json.gz'))));
      items[0].title = '<script>window.injected = 1</script><img src=x onerror="window.injected = 2">';
      const stored = gzipSync(Buffer.from(JSON.stringify(items)));
      manifest.files['items.json.gz'] = { bytes: stored.length, sha256: createHash('sha256').update(stored).digest('hex'), encoding: 'gzip' };
      await page.route('**/out/test-bundle/items.json.gz', (r) => r.fulfill({ body: stored }));
      await route.fulfill({ response, body: JSON.stringify(manifest) });
    });
    await page.goto(`${server.url}/web/demo/index.html?bundle=/out/test-bundle/&backend=cpu`);
    await ready(page);
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.fill('#query', 'Toy Story');
    await page.waitForFunction(() => [...document.querySelector('gnn-recommender').shadowRoot.querySelectorAll('#results .title')]
      .some((t) => t.textContent.startsWith('<script>')), null, { timeout: 30000 });
    await page.click('#results li:first-child button.like');
    await page.waitForFunction(() => document.querySelector('gnn-recommender').shadowRoot
      .querySelector('#recommended li .why')?.textContent.startsWith('because you liked'), null, { timeout: 30000 });
    assert.equal(await page.evaluate(() => window.injected ?? null), null, 'no markup from the catalogue ran');
    assert.equal(await page.evaluate(() => document.querySelector('gnn-recommender').shadowRoot.querySelectorAll('#results img, #results script').length), 0);
    assert.deepEqual(requests, [], 'searching, liking and recommending stay on the device');
    assert.deepEqual(await context.cookies(), []);
    await context.close();
  });

  test('the npm package (pkg/) embeds the widget with one script tag', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/tests/browser/page.html`);
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.type = 'module';
      script.src = '/pkg/recommender-element.js';
      document.body.innerHTML = '<gnn-recommender bundle="/out/test-bundle/" backend="cpu" store="pkg-test"></gnn-recommender>';
      document.head.append(script);
    });
    await ready(page);
    assert.equal(await page.textContent('#backend'), 'CPU');
    await page.close();
  });

  test('a corrupted or wrong-version bundle shows a clear error in the widget', async () => {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    const errorText = async () => {
      await page.goto(`${server.url}/web/demo/index.html?bundle=/out/test-bundle/&backend=cpu`);
      await page.waitForFunction(() => document.querySelector('gnn-recommender')?.shadowRoot?.getElementById('error')?.hidden === false, null, { timeout: 60000 });
      return page.textContent('#error');
    };
    await page.route('**/items.*.json.gz', async (route) => {
      const response = await route.fetch();
      const body = Buffer.from(await response.body());
      body[10] ^= 0xff;
      await route.fulfill({ response, body });
    });
    assert.match(await errorText(), /items\.json\.gz: SHA-256 .* \(corrupted file\)/);
    await page.unroute('**/items.*.json.gz');
    await page.route('**/manifest.json', async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, body: JSON.stringify({ ...JSON.parse(await response.text()), version: 7 }) });
    });
    assert.match(await errorText(), /bundle format version 7, this reader supports version 1/);
    await context.close();
  });

  test('a bundle that is not there shows a clear error in the widget', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/web/demo/index.html?bundle=/no-such-bundle/&backend=cpu`);
    await page.waitForFunction(() => document.querySelector('gnn-recommender')?.shadowRoot?.getElementById('error')?.hidden === false, null, { timeout: 30000 });
    assert.match(await page.textContent('#error'), /Could not load the recommender: .*manifest\.json: HTTP 404/);
    await page.close();
  });
});
