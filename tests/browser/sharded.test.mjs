// The widget on a sharded (format v2) bundle: the core loads first and shards arrive as
// requests need them; a corrupt or missing shard is named and the rest answers; offline,
// stored shards answer and an uncached one is named; "make the whole catalogue available
// offline" stores every shard; under privacy="strict" the shard requests are one fixed
// sequence. The bundle is the browser tests' demo bundle, sharded here.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { inWidget, launch, root, serveRoot, testBundle, trainCli, waitForWidget } from './harness.mjs';

let server, browser;
before(async () => {
  execFileSync(trainCli, ['shard-bundle', '--bundle', testBundle, '--out', join(root, 'out/test-bundle-v2'),
    '--shard-bytes', '32768'], { stdio: 'ignore' });
  server = await serveRoot();
  browser = await launch();
});
after(async () => { await browser.close(); server.close(); });

// privacy=off: these tests are about shards fetched as requests need them.
const demo = (privacy = 'off') => `${server.url}/web/demo/index.html?bundle=/out/test-bundle-v2/&backend=cpu&privacy=${privacy}`;

const waitFor = (page, fn, arg, timeout = 90000) => waitForWidget(page, fn, arg, timeout);
const ready = (page) => waitFor(page, (s) => s.getElementById('status')?.textContent.startsWith('Ready')
  && s.querySelectorAll('#recommended li').length > 0);

/** Types `query` and waits for its 10 results; returns their subtitles and the notice. */
async function search(page, query) {
  const before = await inWidget(page, (s) => s.getElementById('results').textContent);
  await page.fill('#query', query);
  await waitFor(page, (s, b) => s.querySelectorAll('#results li').length === 10
    && s.getElementById('results').textContent !== b && s.getElementById('shards').hidden, before);
  return inWidget(page, (s) => ({
    subtitles: [...s.querySelectorAll('#results li .subtitle')].map((e) => e.textContent),
    notice: s.getElementById('notice').hidden ? null : s.getElementById('notice').title,
  }));
}

/** Stored bytes of the responses whose path matches `pattern`, by path. */
function recordResponses(page) {
  const seen = new Map();
  page.on('response', async (response) => {
    const path = new URL(response.url()).pathname;
    if (response.ok()) seen.set(path, (await response.body().catch(() => Buffer.alloc(0))).length);
  });
  return seen;
}

test('the core loads first, a search fetches a few shards, a like fetches its directory bucket', async () => {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const seen = recordResponses(page);
  await page.goto(demo());
  await ready(page);
  const shards = () => [...seen].filter(([p]) => /\/(shards|directory)\//.test(p));
  assert.deepEqual(shards(), [], 'recommendations without history come from the core');
  const { subtitles, notice } = await search(page, 'animated film for kids');
  assert.equal(notice, null);
  assert.ok(subtitles.filter((s) => /Animation|Children/.test(s)).length >= 5, subtitles.join(' | '));
  const fetched = shards();
  const bytes = fetched.reduce((sum, [, n]) => sum + n, 0);
  assert.ok(fetched.length >= 1 && bytes <= 2e6, `${fetched.length} shards, ${bytes} bytes`);

  await page.locator('#results li button.like').first().click();
  await waitFor(page, (s) => s.querySelector('#recommended li .why')?.textContent.startsWith('because you liked'));
  assert.ok(shards().some(([p]) => p.includes('/directory/')), 'the liked id was looked up in the directory');
  const stats = await page.evaluate(() => document.querySelector('gnn-recommender').recommender.stats());
  assert.ok(stats.residentShardBytes > 0, JSON.stringify(stats));
  await context.close();
});

test('a corrupt and a missing shard are named, the other shards answer', async () => {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  let damaged = 0;
  await page.route('**/out/test-bundle-v2/shards/t-*', async (route) => {
    damaged += 1;
    if (damaged === 1) {
      const body = await (await route.fetch()).body();
      body[20] ^= 0xff;
      return route.fulfill({ status: 200, body });
    }
    if (damaged === 2) return route.fulfill({ status: 404, body: 'not found' });
    return route.continue();
  });
  await page.goto(demo());
  await ready(page);
  const { subtitles, notice } = await search(page, 'scary horror movie with ghosts');
  assert.equal(subtitles.length, 10, 'the other shards still answer');
  assert.match(notice ?? '', /shards\/t-[0-9a-f]{16}\.st\.gz.*corrupted/s, notice);
  assert.match(notice ?? '', /HTTP 404/, notice);
  await context.close();
});

test('offline: stored shards answer, an uncached one is named; the whole catalogue can be stored', async () => {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto(demo());
  await ready(page);
  await page.evaluate(() => caches.delete('gnnrec-shards'));
  assert.equal((await search(page, 'animated film for kids')).notice, null);
  const stored = await page.evaluate(async () => (await (await caches.open('gnnrec-shards')).keys()).length);
  assert.ok(stored >= 1, `${stored} shards stored`);

  await context.setOffline(true);
  const away = await search(page, 'cowboys in the wild west');
  assert.match(away.notice ?? '', /offline and not cached/, 'a shard never fetched is named as offline');
  assert.equal(away.subtitles.length, 10, 'the stored shards still answer');

  await context.setOffline(false);
  await inWidget(page, (s) => s.getElementById('offline').click());
  await waitFor(page, (s) => s.getElementById('offline-status').textContent.startsWith('The whole catalogue is available offline'));
  await context.setOffline(true);
  const everywhere = await search(page, 'science fiction space adventure');
  assert.equal(everywhere.notice, null, 'every shard is stored');
  assert.ok(everywhere.subtitles.some((s) => /Sci-Fi/.test(s)), everywhere.subtitles.join(' | '));
  await context.close();
});

test('privacy="strict": the same shard requests in the same order whatever the visitor searches and likes', async () => {
  const manifest = JSON.parse(readFileSync(join(root, 'out/test-bundle-v2/manifest.json'), 'utf8'));
  const files = manifest.gnn_shards.length + manifest.text_shards.length + manifest.directory.length;
  const visitors = [['animated film for kids', 'science fiction space adventure'],
    ['a gritty crime thriller', 'romantic comedy in Paris', 'scary horror movie with ghosts']];
  const sequences = [];
  for (const queries of visitors) {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    const requested = [];
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (/\/(shards|directory)\//.test(path)) requested.push(path);
    });
    await page.goto(demo('strict'));
    await ready(page);
    for (const query of queries) {
      await search(page, query);
      await page.locator('#results li button.like').first().click();
    }
    await waitFor(page, (s) => s.getElementById('shards').hidden
      && s.querySelector('#recommended li .why')?.textContent.startsWith('because you liked'));
    assert.equal(await page.evaluate(() => document.querySelector('gnn-recommender').recommender.privacy), 'strict');
    sequences.push(requested);
    await context.close();
  }
  assert.deepEqual(sequences[0], sequences[1]);
  assert.equal(sequences[0].length, files, 'every shard and directory file once');
  assert.equal(new Set(sequences[0]).size, files);
});
