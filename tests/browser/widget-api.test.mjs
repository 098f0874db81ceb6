// What a site owner uses of <gnn-recommender>, in Chromium: result links (http(s) and
// relative URLs navigate, a `javascript:` URL stays text), the cancelable `gnnrec-select` and
// `gnnrec-like` events (also from the keyboard), replaceable texts (a full French `strings`),
// the `layout`, `k` and `bundle` attributes, `::part()` styling and the part names. The items
// get URLs in a copy of the test bundle (out/test-bundle-urls/, see harness.writeUrlBundle).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inWidget, itemUrl, launch, serveRoot, waitForWidget, writeUrlBundle } from './harness.mjs';
import { DEFAULT_STRINGS } from '../../web/widget/strings.js';

const FRENCH = {
  badgeLoading: 'chargement…', badgeFailed: 'non chargé', badgeWebgpu: 'WebGPU', badgeCpu: 'Processeur',
  badgeTitle: 'Où la requête est encodée', badgeTitleReady: 'Requête encodée sur {backend}', badgeTitleFallback: 'Raison : {reason}',
  clearData: 'Effacer mes données', storeOffline: 'Garder tout le catalogue hors ligne',
  storeOfflineLabel: 'Enregistrement du catalogue', storeOfflineProgress: '{loaded} fichiers sur {total} enregistrés…',
  storeOfflineDone: 'Tout le catalogue est disponible hors ligne ({files} fichiers, {megabytes} Mo).',
  storeOfflineFailed: 'Enregistrement impossible : {message}', loadingLabel: 'Chargement du recommandeur',
  removeOffline: 'Supprimer la copie hors ligne', offlineReady: 'Cette page et son catalogue marchent hors ligne sur cet appareil.',
  offlineRemoved: 'La copie hors ligne est supprimée (vos « j’aime » restent).',
  waiting: 'Se charge quand vous y arrivez.',
  loading: 'Chargement…', downloading: 'Téléchargement : {loaded} Mo sur {total}…', starting: 'Démarrage du modèle…',
  ready: 'Prêt : {count} titres', readyFallback: 'Prêt : {count} titres — {reason}',
  loadFailed: 'Chargement impossible : {message}', bundleMissing: 'attribut bundle absent',
  searchFailed: 'Recherche impossible : {message}', updateFailed: 'Mise à jour impossible : {message}',
  shardsLoading: 'Chargement d’une partie du catalogue ({loaded} sur {pending})…',
  privateDownload: 'Téléchargement de tout le catalogue, pour que le site ignore ce que vous cherchez ({loaded} sur {total})…',
  partialResults: 'Une partie du catalogue manque : ces résultats viennent du reste.',
  searchLabel: 'Recherche', searchPlaceholder: 'Décrivez ce que vous cherchez', resultsHeading: 'Résultats',
  recommendedHeading: 'Pour vous', recommendedEmpty: 'Aimez quelques titres pour voir des suggestions ici.',
  relatedHeading: 'Dans le même genre', like: 'J’aime', likeLabel: 'J’aime {title}', score: 'note {score}',
  reasonLiked: 'parce que vous avez aimé {title}', reasonCluster: 'apprécié des fans de {label}',
  reasonText: 'correspond à votre recherche', reasonPopular: 'populaire dans ce catalogue',
};

/** The part names the README documents, all present once a search and a like are shown. */
const PARTS = ['header', 'badge', 'clear-button', 'offline-button', 'offline-progress', 'offline-status', 'progress',
  'status', 'error', 'notice', 'search', 'search-label', 'search-input', 'results-heading', 'results', 'recommendations',
  'recommended-heading', 'recommended', 'recommended-empty', 'related-section', 'related-heading', 'related',
  'remove-offline-button', 'offline-note', 'result', 'result-title', 'result-link', 'result-subtitle', 'result-reason',
  'result-score', 'like-button', 'liked'];

let server, browser, indexOf;
before(async () => {
  indexOf = new Map(writeUrlBundle().map((item, index) => [item.id, index]));
  server = await serveRoot();
  browser = await launch();
});
after(async () => { await browser.close(); server.close(); });

const demoUrl = () => `${server.url}/web/demo/index.html?bundle=/out/test-bundle-urls/&backend=cpu`;

const waitFor = waitForWidget;
const ready = (page) => waitFor(page, (s) => !s.getElementById('query').disabled && s.querySelectorAll('#recommended li').length > 0);
const count = (page, list, n) => waitFor(page, (s, [list, n]) => s.querySelectorAll(`#${list} li`).length === n, [list, n])
  .catch(async (error) => { throw new Error(`${list}: ${await inWidget(page, (s, l) => s.querySelectorAll(`#${l} li`).length, list)} results, not ${n}: ${error.message}`); });

/** A fresh page (no service worker, answering https://movies.example/) on `url`, loaded. */
async function openPage(url = demoUrl()) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('https://movies.example/**', (route) => route.fulfill({ contentType: 'text/html', body: '<title>a movie</title>' }));
  await page.goto(url);
  await ready(page);
  return { context, page, errors };
}

/** The cards of `list`: id, title text, link href (or null) and number of links. */
const cards = (page, list) => inWidget(page, (s, list) => [...s.querySelectorAll(`#${list} li`)].map((li) => ({
  id: li.dataset.id, title: li.querySelector('.title').textContent,
  href: li.querySelector('a')?.getAttribute('href') ?? null, links: li.querySelectorAll('a').length,
})), list);

/** Types `query` in the search box and waits for `n` results. */
async function search(page, query, n = 10) {
  await page.fill('#query', query);
  await waitFor(page, (s, [n, q]) => s.querySelectorAll('#results li').length === n && s.getElementById('query').value === q, [n, query]);
}

describe('result links', () => {
  test('http(s) and relative URLs are links that navigate; a javascript: URL stays plain text', async () => {
    const { context, page, errors } = await openPage();
    await search(page, 'Toy Story');
    const shown = [...await cards(page, 'results'), ...await cards(page, 'recommended')];
    const toyStory = shown.find((c) => c.id === '1');
    assert.ok(toyStory, 'Toy Story is among the results');
    assert.deepEqual([toyStory.links, toyStory.href, toyStory.title], [0, null, 'Toy Story (1995)'], 'no link for a javascript: URL');
    for (const card of shown.filter((c) => c.id !== '1')) {
      assert.equal(card.href, new URL(itemUrl(indexOf.get(card.id), card.id), page.url()).href, card.title);
    }
    await page.click('#results li[data-id="1"] .title');
    assert.equal(await page.evaluate(() => window.injected ?? null), null, 'clicking the title ran nothing');

    const external = shown.find((c) => c.href?.startsWith('https://movies.example/'));
    await page.click(`li[data-id="${external.id}"] a`);
    await page.waitForURL(external.href);
    await page.goBack();
    await ready(page);
    const local = (await cards(page, 'recommended')).find((c) => c.href?.startsWith(server.url));
    await page.click(`#recommended li[data-id="${local.id}"] a`);
    await page.waitForURL(local.href);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('gnnrec-select: cancelled, the page stays and the event says what was chosen; Tab and Enter reach it', async () => {
    const { context, page } = await openPage();
    await page.evaluate(() => {
      window.selected = [];
      // On the document: the event bubbles out of the element.
      document.addEventListener('gnnrec-select', (event) => {
        window.selected.push({ ...event.detail, bubbles: event.bubbles, composed: event.composed, cancelable: event.cancelable });
        event.preventDefault();
      });
    });
    const start = page.url();
    const [card] = (await cards(page, 'recommended')).filter((c) => c.href);
    await page.click(`#recommended li[data-id="${card.id}"] a`);
    await page.waitForFunction(() => window.selected.length === 1);
    assert.deepEqual(await page.evaluate(() => window.selected[0]), {
      id: card.id, url: card.href, title: card.title, source: 'recommendations', bubbles: true, composed: true, cancelable: true,
    });

    await search(page, 'a gritty crime thriller');
    const focused = () => inWidget(page, (s) => {
      const el = s.activeElement;
      return el && { part: el.getAttribute('part'), list: el.closest('ol')?.id ?? null, id: el.closest('li')?.dataset.id ?? null };
    });
    let reached;
    for (let i = 0; i < 10 && reached?.part !== 'result-link'; i++) {
      await page.keyboard.press('Tab');
      reached = await focused();
    }
    assert.deepEqual(reached && { part: reached.part, list: reached.list }, { part: 'result-link', list: 'results' }, 'Tab reaches the first result link');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.selected.length === 2);
    const chosen = await page.evaluate(() => window.selected[1]);
    assert.deepEqual([chosen.id, chosen.source], [reached.id, 'search']);
    await page.keyboard.press('Tab');
    assert.deepEqual(await focused(), { part: 'like-button', list: 'results', id: reached.id }, 'then its like button');
    await page.waitForTimeout(500);
    assert.equal(page.url(), start, 'no navigation');
    await context.close();
  });
});

test('gnnrec-like: a cancelled like is not stored; the detail says which item and its new state', async () => {
  const { context, page } = await openPage();
  await page.evaluate(() => {
    window.likes = [];
    window.cancelLikes = true;
    document.querySelector('gnn-recommender').addEventListener('gnnrec-like', (event) => {
      window.likes.push(event.detail);
      if (window.cancelLikes) event.preventDefault();
    });
  });
  const history = () => page.evaluate(() => document.querySelector('gnn-recommender').recommender.history());
  await search(page, 'animated film for kids');
  const [first] = await cards(page, 'results');
  const like = `#results li[data-id="${first.id}"] button`;
  await page.click(like);
  await page.waitForFunction(() => window.likes.length === 1);
  assert.deepEqual(await history(), [], 'the cancelled like was not stored');
  assert.equal(await page.getAttribute(like, 'aria-pressed'), 'false');
  await page.evaluate(() => { window.cancelLikes = false; });
  await page.click(like);
  await waitFor(page, (s) => s.querySelector('#recommended li .why')?.textContent.startsWith('because you liked'));
  await waitFor(page, (s, id) => s.querySelector(`#results li[data-id="${id}"] button`)?.getAttribute('aria-pressed') === 'true', first.id);
  assert.deepEqual((await history()).map((h) => h.id), [first.id]);
  await page.click(like);
  await waitFor(page, (s) => s.querySelector('#recommended li .why')?.textContent.startsWith('popular'));
  assert.deepEqual(await history(), [], 'unliked');
  assert.deepEqual(await page.evaluate(() => window.likes),
    [{ id: first.id, liked: true }, { id: first.id, liked: true }, { id: first.id, liked: false }]);
  await context.close();
});

test('strings: a French translation replaces every text and reason; the property replaces the overrides', async () => {
  assert.deepEqual(Object.keys(FRENCH).sort(), Object.keys(DEFAULT_STRINGS).sort(), 'the translation covers every text');
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto(`${server.url}/tests/browser/page.html`);
  await page.evaluate(async (french) => {
    await import('/pkg/recommender-element.js');
    const widget = document.createElement('gnn-recommender');
    widget.setAttribute('bundle', '/out/test-bundle/');
    widget.setAttribute('backend', 'cpu');
    widget.setAttribute('store', 'french-test');
    widget.setAttribute('debug', '');
    widget.setAttribute('strings', JSON.stringify(french));
    document.body.append(widget);
  }, FRENCH);
  await ready(page);
  assert.equal(await page.textContent('#status'), 'Prêt : 9125 titres');
  assert.equal(await page.getAttribute('#backend', 'title'), 'Requête encodée sur Processeur');
  assert.equal(await page.textContent('#recommended li .why'), 'populaire dans ce catalogue');
  await search(page, 'animated film for kids');
  assert.equal(await page.textContent('#results li .why'), 'correspond à votre recherche');
  const liked = (await cards(page, 'results'))[0].title;
  await page.click('#results li:first-child button');
  await waitFor(page, (s, t) => s.querySelector('#recommended li .why')?.textContent === `parce que vous avez aimé ${t}`, liked);

  // Every text the widget itself shows, visible or not, without the catalogue's titles and subtitles.
  const texts = await inWidget(page, (s) => {
    const catalogue = [...s.querySelectorAll('.title, .subtitle')].map((el) => el.textContent).filter(Boolean);
    return [...s.querySelectorAll('*:not(style)')].flatMap((el) => [
      ...(el.matches('.title, .title *, .subtitle') ? [] : [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent)),
      ...['aria-label', 'placeholder', 'title'].map((a) => el.getAttribute(a) ?? ''),
    ]).map((t) => catalogue.reduce((text, title) => text.replaceAll(title, ''), t).trim()).filter(Boolean);
  });
  for (const english of Object.values(DEFAULT_STRINGS)) {
    const fixed = english.split('{')[0].trim();
    if (fixed.length < 3 || fixed === 'WebGPU') continue;
    assert.ok(!texts.some((t) => t.includes(fixed)), `"${fixed}" is still shown: ${texts.filter((t) => t.includes(fixed)).join(' | ')}`);
  }
  assert.ok(texts.includes('J’aime') && texts.includes('Effacer mes données') && texts.some((t) => /^note -?\d/.test(t)), texts.join(' | '));
  assert.ok(await page.$(`#results button[aria-label="J’aime ${liked}"]`), 'the like buttons are named in French');

  await page.evaluate(() => { document.querySelector('gnn-recommender').strings = { clearData: 'Tout effacer' }; });
  assert.equal(await page.textContent('#clear'), 'Tout effacer');
  assert.equal(await page.textContent('#results-heading'), 'Results', 'the property replaced the attribute\'s texts');
  assert.equal(await page.textContent('#status'), 'Ready: 9125 items');
  assert.match(await page.textContent('#recommended li .why'), /^because you liked /);
  assert.equal(await page.evaluate(() => document.querySelector('gnn-recommender').strings.like), 'Like');
  await page.evaluate(() => document.querySelector('gnn-recommender').recommender.clearHistory());
  await context.close();
});

test('layout shows only its parts; k changes the number of results; a new bundle replaces the old worker', async () => {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto(`${server.url}/tests/browser/page.html`);
  await page.evaluate(async () => {
    await import('/pkg/recommender-element.js');
    document.body.innerHTML = '<gnn-recommender bundle="/out/test-bundle/" backend="cpu" store="layout-test" layout="recommendations"></gnn-recommender>';
  });
  await ready(page);
  const visible = async () => ({ search: await page.isVisible('#query'), recommended: await page.isVisible('#recommended') });
  assert.deepEqual(await visible(), { search: false, recommended: true });
  const setAttribute = (name, value) => page.evaluate(([n, v]) => document.querySelector('gnn-recommender').setAttribute(n, v), [name, value]);
  await setAttribute('layout', 'search');
  assert.deepEqual(await visible(), { search: true, recommended: false });
  await setAttribute('layout', 'both');
  assert.deepEqual(await visible(), { search: true, recommended: true });

  await search(page, 'animated film for kids');
  await count(page, 'recommended', 10);
  await setAttribute('k', '3');
  await count(page, 'results', 3);
  await count(page, 'recommended', 3);
  await page.evaluate(() => { document.querySelector('gnn-recommender').k = 5; });
  await count(page, 'results', 5);
  await count(page, 'recommended', 5);

  await page.evaluate(() => {
    const widget = document.querySelector('gnn-recommender');
    window.old = widget.recommender;
    window.readyAgain = new Promise((ok) => widget.addEventListener('gnnrec-ready', ok, { once: true }));
    widget.bundle = '/out/test-bundle-urls/';
  });
  await page.evaluate(() => window.readyAgain);
  const replaced = await page.evaluate(async () => ({
    same: document.querySelector('gnn-recommender').recommender === window.old,
    old: await window.old.search('anything', { k: 1 }).then(() => 'answered', (e) => e.message),
  }));
  assert.deepEqual(replaced, { same: false, old: 'this recommender is closed' });
  await count(page, 'results', 5);
  assert.ok((await cards(page, 'results')).some((c) => c.href), 'the new bundle\'s links are shown');
  await context.close();
});

test('::part() styles the widget from the page, and every documented part name is there', async () => {
  const { context, page } = await openPage(`${demoUrl()}&debug`);
  await page.addStyleTag({ content: 'gnn-recommender::part(result-title) { outline: 3px solid rgb(200, 0, 0); }' });
  assert.equal(await inWidget(page, (s) => getComputedStyle(s.querySelector('#recommended .title')).outlineColor), 'rgb(200, 0, 0)');
  await search(page, 'animated film for kids');
  await page.click('#results li:first-child button');
  await waitFor(page, (s) => s.querySelector('[part~="liked"]'));
  const parts = await inWidget(page, (s) => [...new Set([...s.querySelectorAll('[part]')].flatMap((el) => el.getAttribute('part').split(' ')))].sort());
  assert.deepEqual(parts, [...PARTS].sort());
  await page.evaluate(() => document.querySelector('gnn-recommender').recommender.clearHistory());
  await context.close();
});
