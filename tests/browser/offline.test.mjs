// The demo is an installable PWA that works offline after one visit: with the server
// stopped and the browser offline, the page reloads and answers queries.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, serveRoot } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser.close());

const shadowText = (page, selector) => page.evaluate(
  (s) => document.querySelector('gnn-recommender')?.shadowRoot?.querySelector(s)?.textContent ?? '', selector);

async function waitReady(page) {
  await page.waitForFunction(() => document.querySelector('gnn-recommender')?.shadowRoot
    ?.getElementById('status')?.textContent.startsWith('Ready'), null, { timeout: 90000 });
}

test('after one visit the demo loads and answers queries with no network at all', async () => {
  const server = await serveRoot();
  const context = await browser.newContext();
  const page = await context.newPage();
  const url = `${server.url}/web/demo/index.html?bundle=/out/test-bundle/&backend=cpu`;
  await page.goto(url);
  await waitReady(page);
  // The widget starts before the service worker controls the page; the page then hands the
  // worker what was already fetched and says when the demo works offline.
  await page.waitForFunction(() => document.documentElement.dataset.offline === 'ready', null, { timeout: 60000 });
  assert.match(await page.textContent('#offline'), /^Works offline on this device now \(\d+ files stored\)\.$/);
  const manifest = await page.evaluate(async () => {
    const link = document.querySelector('link[rel=manifest]');
    return (await fetch(link.href)).json();
  });
  assert.equal(manifest.display, 'standalone');
  assert.equal(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)), true, 'the service worker controls the page');
  const cached = await page.evaluate(async () => (await (await caches.open('gnnrec-offline')).keys()).map((r) => r.url));
  for (const file of [/\/gnnrec_wasm_bg\.wasm$/, /\/recommender-worker\.js$/, /\/manifest\.json$/,
    /\/tensors\.[0-9a-f]{16}\.safetensors\.gz$/, /\/model\.int8\.[0-9a-f]{16}\.safetensors\.gz$/]) {
    assert.ok(cached.some((u) => file.test(u)), `${file} cached: ${cached.join(', ')}`);
  }

  server.close();
  await context.setOffline(true);
  await page.reload();
  await waitReady(page);
  await page.fill('#query', 'animated film for kids');
  await page.waitForFunction(() => document.querySelector('gnn-recommender').shadowRoot.querySelectorAll('#results li').length === 10, null, { timeout: 30000 });
  assert.match(await shadowText(page, '#results li .subtitle'), /Animation|Children/);
  await context.close();
});
