// A site owner's own site, built by `train-cli site` from a real catalogue (MovieLens films with
// their IMDb addresses, see site.mjs) and served by `python3 -m http.server` under /repo/, the
// widget's files on another path than the pages. In Chromium (Playwright): items alone — a
// search returns linked results, a click reaches the film's page or fires the cancelable
// event, a like turns "recommended for you" towards films like it and survives a reload,
// `related-to` shows a film's neighbours; with purchases (no rating column) — recommendations
// are personalised and the chosen model is printed. In Firefox ESR and WebKitGTK (WebDriver):
// search, links and a like that survives a reload.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { audit, inWidget, launch, waitForWidget } from './harness.mjs';
import { buildSites, servePython } from './site.mjs';
import { ENGINES, openSession } from './webdriver.mjs';

let sites, server;
before(async () => {
  sites = buildSites();
  server = await servePython();
});
after(() => server?.close());

const genres = new Map();
/** The genres of film `id`. */
const genresOf = (id) => {
  if (!genres.size) for (const f of sites.films) genres.set(f.movieId, new Set(f.genres.split('|')));
  return genres.get(id) ?? new Set();
};
/** How many of `ids` share a genre with film `id`. */
const sharing = (ids, id) => ids.filter((other) => [...genresOf(other)].some((g) => genresOf(id).has(g))).length;

test('train-cli site says what it found, what it chose and what to paste', () => {
  assert.match(sites.text, /items\.csv: 2500 items; id "id", title "title", link "url", text "genres" \(lists split at "\|"\)/);
  assert.match(sites.text, /model: text \(the catalogue has no interactions/);
  assert.match(sites.shop, /purchases\.csv: \d+ interactions; user "user", item "item", no rating column \(every row counts: implicit feedback\)/);
  assert.match(sites.shop, /validation NDCG@20 on \d+ users/);
  assert.match(sites.shop, /model: (graph-filter\+text|graph-filter|text) \(best on validation/);
  assert.match(sites.shop, /<script type="module" src="\/repo\/films-shop\/gnnrec\/recommender-element\.js"><\/script>/);
  assert.match(sites.shop, /<gnn-recommender bundle="\/repo\/films-shop\/bundle\/"><\/gnn-recommender>/);
});

describe('Chromium', () => {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser.close(); });

  const waitFor = (page, fn, arg) => waitForWidget(page, fn, arg, 90000);
  const ready = (page) => waitFor(page, (s) => !s.getElementById('query').disabled);
  const ids = (page, list) => inWidget(page, (s, list) => [...s.querySelectorAll(`#${list} li`)].map((li) => li.dataset.id), list);

  /** Fails on serious or critical axe-core violations. */
  const accessible = async (page, state) => {
    const { counts, violations } = await audit(page);
    assert.equal(counts.critical + counts.serious, 0, `${state}: ${JSON.stringify(violations, null, 1)}`);
  };
  /** Presses Tab until the focus is on `part` in list `list` (at most 20 times); where it landed. */
  const tabTo = async (page, part, list) => {
    let at;
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      at = await inWidget(page, (s) => {
        const el = s.activeElement;
        return el && { part: el.getAttribute('part'), list: el.closest('ol')?.id ?? null, id: el.closest('li')?.dataset.id ?? null };
      });
      if (at?.part === part && at.list === list) return at;
    }
    assert.fail(`Tab never reached ${part} in #${list}; last: ${JSON.stringify(at)}`);
  };

  async function open(path) {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    const failed = [];
    const requested = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    page.on('pageerror', (e) => failed.push(e.message));
    page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
    // The films' pages are on the web; the test answers for IMDb.
    await page.route('https://www.imdb.com/**', (route) => route.fulfill({ contentType: 'text/html', body: '<title>IMDb</title>' }));
    await page.goto(server.url + path);
    await ready(page);
    return { context, page, failed, requested };
  }

  test('items alone: linked results, the cancelable select, a click navigating to the film', async () => {
    const { context, page, failed } = await open('/repo/pages/text.html');
    await waitFor(page, (s) => !s.getElementById('recommended-empty').hidden); // nothing to recommend before a like
    assert.equal(await inWidget(page, (s) => s.querySelectorAll('#recommended li').length), 0);
    await page.fill('gnn-recommender >> #query', 'animated film about toys');
    await waitFor(page, (s) => s.querySelectorAll('#results li').length === 10);
    const hrefs = await inWidget(page, (s) => [...s.querySelectorAll('#results li a')].map((a) => a.href));
    assert.equal(hrefs.length, 10);
    assert.ok(hrefs.every((h) => /^https:\/\/www\.imdb\.com\/title\/tt\d+\/$/.test(h)), hrefs.join(' '));
    await accessible(page, 'linked search results');
    await page.evaluate(() => {
      window.selected = null;
      document.addEventListener('gnnrec-select', (e) => { window.selected = e.detail; e.preventDefault(); }, { once: true });
    });
    await page.click('gnn-recommender >> #results li:first-child a');
    const detail = await page.evaluate(() => window.selected);
    assert.equal(detail.source, 'search');
    assert.equal(detail.url, hrefs[0]);
    assert.equal(new URL(page.url()).pathname, '/repo/pages/text.html', 'a cancelled select stays on the page');
    await Promise.all([page.waitForURL(/imdb\.com/), page.click('gnn-recommender >> #results li:first-child a')]);
    assert.equal(page.url(), hrefs[0]);
    assert.deepEqual(failed, []);
    await context.close();
  });

  test('items alone: a like turns the recommendations towards films like it, and survives a reload', async () => {
    const { context, page } = await open('/repo/pages/text.html');
    await page.fill('gnn-recommender >> #query', 'Toy Story');
    await waitFor(page, (s) => [...s.querySelectorAll('#results li')].some((li) => li.dataset.id === '1'));
    await page.click('gnn-recommender >> #results li[data-id="1"] button.like');
    await waitFor(page, (s) => s.querySelectorAll('#recommended li').length === 10);
    const recommended = await ids(page, 'recommended');
    assert.ok(!recommended.includes('1'), 'the liked film is not recommended back');
    assert.ok(sharing(recommended, '1') >= 8, `${sharing(recommended, '1')} of 10 share a genre with Toy Story: ${recommended}`);
    assert.match(await inWidget(page, (s) => s.querySelector('#recommended li .why').textContent), /because you liked Toy Story/);
    await page.reload();
    await ready(page);
    await waitFor(page, (s) => s.querySelectorAll('#recommended li').length === 10);
    assert.deepEqual(await ids(page, 'recommended'), recommended, 'the like is still there after a reload');
    await page.evaluate(() => document.querySelector('gnn-recommender').recommender.clearHistory());
    await context.close();
  });

  test('related-to shows a film\'s neighbours on its page, without fetching the query encoder', async () => {
    const { context, page, requested } = await open('/repo/pages/toy-story.html');
    await waitFor(page, (s) => s.querySelectorAll('#related li').length === 10);
    assert.equal(await inWidget(page, (s) => s.getElementById('search').hidden && s.getElementById('recommendations').hidden), true);
    const related = await ids(page, 'related');
    assert.ok(!related.includes('1'));
    assert.ok(sharing(related, '1') >= 8, `${sharing(related, '1')} of 10 share a genre with Toy Story: ${related}`);
    assert.deepEqual(requested.filter((path) => path.includes('/encoder/')), [], 'no search box: no encoder');
    await accessible(page, 'more like this');
    // The keyboard alone reaches the first neighbour's link, then its like button.
    const link = await tabTo(page, 'result-link', 'related');
    assert.equal(link.id, related[0]);
    await page.keyboard.press('Tab');
    assert.deepEqual(await inWidget(page, (s) => s.activeElement?.getAttribute('part')), 'like-button');
    await page.keyboard.press('Enter');
    await waitFor(page, (s, id) => s.querySelector(`#related li[data-id="${id}"] button.like`)?.getAttribute('aria-pressed') === 'true', related[0]);
    await page.evaluate(() => document.querySelector('gnn-recommender').recommender.clearHistory());
    await context.close();
  });

  test('offline: after one visit the page and the widget work with no network; the site\'s other pages are not stored', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/repo/about/`);
    await page.goto(`${server.url}/repo/pages/offline.html`);
    await ready(page);
    await waitFor(page, (s) => !s.getElementById('remove-offline').hidden);
    const stored = await page.evaluate(async () => (await (await caches.open('gnnrec-offline')).keys()).map((r) => new URL(r.url).pathname));
    for (const path of ['/repo/pages/offline.html', '/repo/films-text/gnnrec/recommender-element.js',
      '/repo/films-text/gnnrec/gnnrec_wasm_bg.wasm', '/repo/films-text/bundle/manifest.json']) {
      assert.ok(stored.includes(path), `${path} is stored: ${stored.join(' ')}`);
    }
    assert.ok(!stored.some((path) => path.startsWith('/repo/about')), `the other page is not stored: ${stored.join(' ')}`);

    await context.setOffline(true);
    await page.reload();
    await ready(page);
    await page.fill('gnn-recommender >> #query', 'Toy Story');
    await waitFor(page, (s) => [...s.querySelectorAll('#results li')].some((li) => li.dataset.id === '1'));
    await assert.rejects(page.goto(`${server.url}/repo/about/`), 'the other page is not available offline');

    await context.setOffline(false);
    await page.goto(`${server.url}/repo/pages/offline.html`);
    await ready(page);
    // Removed at once, while the widget may still be refreshing the copy: the removal wins.
    await page.evaluate(() => document.querySelector('gnn-recommender').removeOfflineCopy());
    assert.deepEqual(await page.evaluate(async () => [await caches.has('gnnrec-offline'),
      (await navigator.serviceWorker.getRegistrations()).length]), [false, 0]);
    await context.close();
  });

  test('loading="lazy": nothing is fetched until the widget is scrolled to', async () => {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    const fetched = [];
    page.on('request', (request) => fetched.push(new URL(request.url()).pathname));
    await page.goto(`${server.url}/repo/pages/lazy.html`);
    await page.waitForTimeout(1500);
    assert.deepEqual(fetched.filter((path) => path.includes('/bundle/') || path.endsWith('.wasm')), [],
      `before it is seen: ${fetched.join(' ')}`);
    await page.evaluate(() => document.querySelector('gnn-recommender').scrollIntoView());
    await ready(page);
    assert.ok(fetched.includes('/repo/films-text/bundle/manifest.json'));
    await context.close();
  });

  test('with purchases: recommendations are personalised', async () => {
    const { context, page } = await open('/repo/pages/shop.html');
    await waitFor(page, (s) => s.querySelectorAll('#recommended li').length === 10);
    const popular = await ids(page, 'recommended');
    assert.match(await inWidget(page, (s) => s.querySelector('#recommended li .why').textContent), /popular/);
    const client = (method, ...args) => page.evaluate(([m, a]) => document.querySelector('gnn-recommender').recommender[m](...a), [method, args]);
    // Two visitors with different tastes get different lists, each towards their likes.
    const tastes = { children: ['1', '2', '48'], crime: ['6', '16', '47'] };
    const lists = {};
    for (const [taste, liked] of Object.entries(tastes)) {
      await client('clearHistory');
      for (const id of liked) await client('like', id);
      lists[taste] = (await client('recommend', { k: 10 })).results.map((r) => r.id);
      const near = lists[taste].filter((id) => liked.some((l) => sharing([id], l))).length;
      assert.ok(near >= 7, `${taste}: ${near} of 10 share a genre with the likes: ${lists[taste]}`);
    }
    assert.notDeepEqual(lists.children, popular);
    assert.ok(lists.children.filter((id) => lists.crime.includes(id)).length <= 3, `${lists.children} / ${lists.crime}`);
    await client('clearHistory');
    await context.close();
  });
});

for (const engine of Object.keys(ENGINES)) {
  describe(ENGINES[engine].label, () => {
    let session;
    before(async () => { session = await openSession(engine); });
    after(async () => { await session?.quit(); });

    const inWidget = (fn, ...args) => session.evaluate((source, args) => {
      const shadow = document.querySelector('gnn-recommender')?.shadowRoot;
      return shadow ? new Function(`return (${source})`)()(shadow, ...args) : null;
    }, fn.toString(), args);
    const waitInWidget = async (fn, ...args) => {
      const deadline = Date.now() + 90000;
      for (;;) {
        if (await inWidget(fn, ...args)) return;
        if (Date.now() > deadline) throw new Error(`timed out: ${fn}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    test('items alone: search with links, a like that survives a reload', async () => {
      await session.navigate(`${server.url}/repo/pages/text.html`);
      await waitInWidget((s) => s.getElementById('query') && !s.getElementById('query').disabled);
      const input = await session.element(() => document.querySelector('gnn-recommender').shadowRoot.getElementById('query'));
      await session.sendKeys(input, 'Toy Story');
      await waitInWidget((s) => [...s.querySelectorAll('#results li')].some((li) => li.dataset.id === '1'));
      const hrefs = await inWidget((s) => [...s.querySelectorAll('#results li a')].map((a) => a.href));
      assert.ok(hrefs.length === 10 && hrefs.every((h) => h.startsWith('https://www.imdb.com/title/tt')), hrefs.join(' '));
      const like = await session.element(() => document.querySelector('gnn-recommender').shadowRoot
        .querySelector('#results li[data-id="1"] button.like'));
      await session.click(like);
      await waitInWidget((s) => s.querySelectorAll('#recommended li').length === 10);
      await session.refresh();
      await waitInWidget((s) => s.querySelectorAll('#recommended li').length === 10
        && s.querySelector('#recommended li .why').textContent.includes('Toy Story'));
      await session.evaluate(() => document.querySelector('gnn-recommender').recommender.clearHistory());
    });
  });
}
