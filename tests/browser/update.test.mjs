// A deployed bundle over time: a site owner re-exports the catalogue into the same folder and
// deploys that folder in place of the old one while visitors have tabs open. The catalogue (films
// with purchases, see site.mjs) is written as a sharded (v2) bundle, whose shards a tab fetches
// as it goes (privacy="off": strict would fetch them all at once); version B drops a film a visitor liked and retitles another. In Chromium, Firefox
// ESR and WebKitGTK: a tab open during the update keeps answering (its shards are still there),
// notices the new version when the page is back online and switches to it, a reload uses it,
// and the likes survive all of it (the removed film's like is kept and counted). In Chromium,
// once more against a host whose edge cache serves stale files for a while: a reload during
// that time loads the old version whole, never a mix.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, root } from './harness.mjs';
import { buildSite, servePython, writeCatalogue } from './site.mjs';
import { serve } from '../../scripts/serve.mjs';
import { ENGINES, openSession } from './webdriver.mjs';

/** Films in version A (the first ones by id). */
const FILMS = 2000;
const work = join(root, 'out/update-test');
/** The folder the host serves; the site is at /repo/shop/. */
const hosted = join(root, 'out/update-root');
const site = join(hosted, 'repo/shop');
const snapshots = { a: join(work, 'a'), b: join(work, 'b') };
const RETITLED = 'Toy Story, the new cut';

/** Writes version `name` of the catalogue (A: the first films; B: without film 2, film 1 retitled). */
function catalogue(name) {
  const source = join(work, 'source');
  const dir = join(work, `catalogue-${name}`);
  mkdirSync(dir, { recursive: true });
  const [header, ...rows] = readFileSync(join(source, 'items.csv'), 'utf8').trim().split('\n');
  let items = rows.slice(0, FILMS);
  if (name === 'b') {
    items = items.filter((row) => !row.startsWith('2,')).map((row) => (row.startsWith('1,')
      ? row.replace(/^1,[^,]*,/, `1,"${RETITLED}",`) : row));
  }
  const kept = new Set(items.map((row) => row.split(',')[0]));
  const [purchaseHeader, ...purchases] = readFileSync(join(source, 'purchases.csv'), 'utf8').trim().split('\n');
  writeFileSync(join(dir, 'items.csv'), [header, ...items].join('\n') + '\n');
  writeFileSync(join(dir, 'purchases.csv'),
    [purchaseHeader, ...purchases.filter((row) => kept.has(row.split(',')[1]))].join('\n') + '\n');
  return ['--items', join(dir, 'items.csv'), '--interactions', join(dir, 'purchases.csv'), '--format', 'v2'];
}

/** Puts version `name` on the host as most deploys do (GitHub Pages, rsync --delete): the
 *  folder replaces what was there, so only what the re-export kept in it is still served. */
function deploy(name) {
  rmSync(site, { recursive: true, force: true });
  cpSync(snapshots[name], site, { recursive: true });
}

before(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(hosted, { recursive: true, force: true });
  writeCatalogue(join(work, 'source'));
  buildSite(catalogue('a'), site);
  cpSync(site, snapshots.a, { recursive: true });
  buildSite(catalogue('b'), site);
  cpSync(site, snapshots.b, { recursive: true });
  mkdirSync(join(hosted, 'repo/pages'), { recursive: true });
  writeFileSync(join(hosted, 'repo/pages/shop.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script type="module" src="/repo/shop/gnnrec/recommender-element.js"></script></head>
<body><main><gnn-recommender bundle="/repo/shop/bundle/" backend="cpu" privacy="off"></gnn-recommender></main>
<script>window.updates = []; document.addEventListener('gnnrec-update', (e) => window.updates.push(e.detail));</script></body></html>
`);
});

/** Starts from version A on the host. */
const resetHost = () => deploy('a');

test('a re-export keeps the older version\'s files and lists both versions', () => {
  const versions = JSON.parse(readFileSync(join(snapshots.b, 'bundle/versions.json'), 'utf8')).versions;
  assert.equal(versions.length, 2);
  for (const { files } of versions) {
    for (const file of files) assert.ok(readFileSync(join(snapshots.b, 'bundle', file)).length > 0, file);
  }
});

/** In-page checks, run the same way in every engine (each is a self-contained function). */
const checks = {
  ready: () => {
    const s = document.querySelector('gnn-recommender')?.shadowRoot;
    return Boolean(s && !s.getElementById('query').disabled && document.querySelector('gnn-recommender').recommender);
  },
  search: async (query) => {
    const { results, notices } = await document.querySelector('gnn-recommender').recommender.search(query, { k: 10 });
    return { titles: results.map((r) => r.title), ids: results.map((r) => r.id), notices: notices ?? [] };
  },
  like: async (ids) => {
    const r = document.querySelector('gnn-recommender').recommender;
    await r.clearHistory();
    for (const id of ids) await r.like(id);
    return (await r.history()).map((h) => h.id);
  },
  history: async () => (await document.querySelector('gnn-recommender').recommender.history()).map((h) => h.id).sort(),
  backOnline: () => { window.dispatchEvent(new Event('online')); return true; },
  updates: () => window.updates,
};

/** The whole story in one engine, through `page` (`{goto, evaluate, reload}`). */
async function story(page, url) {
  resetHost();
  await page.goto(url);
  await page.waitFor(checks.ready);
  // Liked films are not suggested back: film 1 (retitled in B) stays unliked, to be searched for.
  assert.deepEqual(await page.evaluate(checks.like, ['2', '48']), ['2', '48']);
  await page.evaluate(() => document.querySelector('gnn-recommender').recommender.recommend({ k: 10 }));

  deploy('b');
  // The open tab still answers searches, whose text shards it has not fetched yet.
  for (const query of ['a gritty crime thriller', 'romantic comedy in Paris', 'science fiction space war']) {
    const answer = await page.evaluate(checks.search, query);
    assert.equal(answer.ids.length, 10, query);
    assert.deepEqual(answer.notices, [], `${query}: every shard it needed was there`);
  }

  // Back online: it notices version B, switches, and keeps the likes (film 2's is counted).
  await page.evaluate(checks.backOnline);
  const [update] = await page.waitFor(() => window.updates.length > 0 && window.updates);
  assert.deepEqual(update, { itemCount: FILMS - 1, droppedLikes: 1 });
  const after = await page.evaluate(checks.search, 'Toy Story');
  assert.ok(after.titles.includes(RETITLED), after.titles.join(' | '));
  assert.deepEqual(await page.evaluate(checks.history), ['2', '48']);

  await page.reload();
  await page.waitFor(checks.ready);
  assert.ok((await page.evaluate(checks.search, 'Toy Story')).titles.includes(RETITLED));
  assert.deepEqual(await page.evaluate(checks.history), ['2', '48']);
}

describe('Chromium', () => {
  let browser;
  let server;
  before(async () => { browser = await launch(); server = await servePython(hosted); });
  after(async () => { await browser.close(); server.close(); });

  /** The story's page interface over a Playwright page. */
  const playwright = (page) => ({
    goto: (url) => page.goto(url),
    reload: () => page.reload(),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    waitFor: async (fn) => (await page.waitForFunction(fn, null, { timeout: 90000 })).jsonValue(),
  });

  test('an open tab keeps answering through an update, then switches; a reload uses it; likes survive', async () => {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    await story(playwright(await context.newPage()), `${server.url}/repo/pages/shop.html`);
    await context.close();
  });

  test('offline during the update: the old version until the page is back online, then the new one', async () => {
    resetHost();
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = playwright(await context.newPage());
    await page.goto(`${server.url}/repo/pages/shop.html`);
    await page.waitFor(checks.ready);
    await page.evaluate(checks.search, 'Toy Story'); // its shards are now on the device
    await context.setOffline(true);
    deploy('b');
    const offline = await page.evaluate(checks.search, 'Toy Story');
    assert.ok(offline.titles.some((t) => t.startsWith('Toy Story (1995)')), 'still version A');
    assert.deepEqual(await page.evaluate(checks.updates), []);
    await context.setOffline(false); // fires `online` in the page
    const [update] = await page.waitFor(() => window.updates.length > 0 && window.updates);
    assert.equal(update.itemCount, FILMS - 1);
    assert.ok((await page.evaluate(checks.search, 'Toy Story')).titles.includes(RETITLED));
    await context.close();
  });

  test('a host that serves stale files for a while: a reload loads the old version whole, then the new one', async () => {
    resetHost();
    const stale = await serve({ root: hosted, stale: 3600 });
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${stale.url}/repo/pages/shop.html`);
    await page.waitForFunction(checks.ready, null, { timeout: 90000 });
    deploy('b');
    await page.reload(); // within the stale time: the edge still has version A's manifest
    await page.waitForFunction(checks.ready, null, { timeout: 90000 });
    const during = await page.evaluate(checks.search, 'Toy Story');
    assert.ok(during.titles.some((t) => t.startsWith('Toy Story (1995)')), during.titles.join(' | '));
    assert.equal(await page.evaluate(() => document.querySelector('gnn-recommender').shadowRoot.getElementById('error').hidden), true);
    stale.expire(); // the edge's copies expire
    await page.reload();
    await page.waitForFunction(checks.ready, null, { timeout: 90000 });
    assert.ok((await page.evaluate(checks.search, 'Toy Story')).titles.includes(RETITLED));
    assert.deepEqual(errors, []);
    await context.close();
    await stale.close();
  });
});

for (const engine of Object.keys(ENGINES)) {
  describe(ENGINES[engine].label, () => {
    let session;
    let server;
    before(async () => { session = await openSession(engine); server = await servePython(hosted); });
    after(async () => { await session?.quit(); server?.close(); });

    test('an open tab keeps answering through an update, then switches; a reload uses it; likes survive', async () => {
      await story({
        goto: (url) => session.navigate(url),
        reload: () => session.refresh(),
        evaluate: (fn, arg) => session.evaluate(fn, arg),
        waitFor: (fn) => session.waitFor(fn, [], { timeout: 90000 }),
      }, `${server.url}/repo/pages/shop.html`);
    });
  });
}
