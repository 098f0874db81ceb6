// The widget as a visitor sees it, on the demo page (web/demo/index.html): no raw model scores
// unless `debug` is set, no serious or critical accessibility violations (axe-core) when
// loaded, searched, after a like, on error and in dark mode, search / like / clear with the keyboard
// alone, and a screenshot of each state. Screenshots go to out/screenshots/ (git-ignored);
// with UPDATE_SCREENSHOTS=1 they replace the committed ones in docs/screenshots/, with the
// axe-core summary (axe-summary.json) the README table is written from.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { audit, inWidget, launch, root, serveRoot, waitForWidget } from './harness.mjs';

const screenshotDir = join(root, process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'out/screenshots');

let server, browser;
before(async () => { server = await serveRoot(); browser = await launch(); });
after(async () => { await browser.close(); server.close(); });

const demo = (query = '') => `${server.url}/web/demo/index.html?bundle=/out/test-bundle/&backend=cpu${query}`;

const waitFor = waitForWidget;

const ready = (page) => waitFor(page, (s) => s.getElementById('status')?.textContent.startsWith('Ready')
  && s.querySelectorAll('#recommended li').length > 0);
const whyStartsWith = (page, prefix) => waitFor(page, (s, p) => s.querySelector('#recommended li .why')?.textContent.startsWith(p), prefix);
const resultCount = (page, n) => waitFor(page, (s, n) => s.querySelectorAll('#results li').length === n, n);

async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

describe('<gnn-recommender> as a visitor sees it', () => {
  test('loaded, searched, liked and error states: no serious or critical axe violations, screenshots', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 800 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const summary = {};
    const state = async (name) => {
      summary[name] = await audit(page);
      await screenshot(page, name);
    };

    await page.goto(demo());
    await ready(page);
    assert.equal(await inWidget(page, (s) => s.querySelectorAll('.score').length), 0, 'no raw scores without debug');
    const api = await page.evaluate(() => document.querySelector('gnn-recommender').recommender.recommend({ k: 3 }));
    assert.ok(api.results.every((r) => Number.isFinite(r.score)), 'the API results keep their scores');
    await state('loaded');

    await page.fill('#query', 'animated film for kids');
    await resultCount(page, 10);
    await state('searched');

    await page.click('#results li:first-child button.like');
    await whyStartsWith(page, 'because you liked');
    await waitFor(page, (s) => s.querySelector('#results button.like[aria-pressed="true"]'));
    await state('liked');

    await page.goto(`${server.url}/web/demo/index.html?bundle=/no-such-bundle/&backend=cpu`);
    await waitFor(page, (s) => s.getElementById('error')?.hidden === false);
    assert.equal(await page.textContent('#error'),
      'Could not load the recommender: /no-such-bundle/manifest.json: HTTP 404', 'the error text is the same on every run');
    await state('error');
    await context.close();

    mkdirSync(screenshotDir, { recursive: true });
    const table = Object.fromEntries(Object.entries(summary).map(([name, { counts, violations }]) =>
      [name, { ...counts, violations: violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.join(', ')})`) }]));
    writeFileSync(join(screenshotDir, 'axe-summary.json'), JSON.stringify(table, null, 2) + '\n');
    for (const [name, { violations }] of Object.entries(summary)) {
      const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(blocking, [], `${name}: serious or critical accessibility violations`);
    }
    assert.deepEqual(errors, []);
  });

  test('raw scores show only in debug mode (?debug on the demo, the debug attribute)', async () => {
    const page = await browser.newPage();
    await page.goto(demo('&debug'));
    await ready(page);
    const scores = await inWidget(page, (s) => [...s.querySelectorAll('#recommended .score')].map((e) => e.textContent));
    assert.ok(scores.length > 0 && scores.every((t) => /^score -?\d+\.\d{3}/.test(t)), JSON.stringify(scores));
    await page.evaluate(() => document.querySelector('gnn-recommender').removeAttribute('debug'));
    assert.equal(await inWidget(page, (s) => s.querySelectorAll('.score').length), 0);
    await page.evaluate(() => document.querySelector('gnn-recommender').setAttribute('debug', ''));
    assert.ok(await inWidget(page, (s) => s.querySelectorAll('#recommended .score').length) > 0);
    await page.close();
  });

  test('dark mode: dark defaults from prefers-color-scheme, the custom properties still win, no serious or critical axe violations', async () => {
    const context = await browser.newContext({ colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(demo());
    await ready(page);
    await page.fill('#query', 'animated film for kids');
    await resultCount(page, 10);
    const colours = () => inWidget(page, (s) => ({
      text: getComputedStyle(s.host).color, background: getComputedStyle(s.host).backgroundColor,
      card: getComputedStyle(s.querySelector('#results li')).backgroundColor,
    }));
    assert.deepEqual(await colours(), { text: 'rgb(232, 232, 234)', background: 'rgb(29, 29, 31)', card: 'rgb(44, 44, 48)' });
    const blocking = (await audit(page)).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(blocking, [], 'serious or critical accessibility violations in dark mode');
    await page.evaluate(() => document.querySelector('gnn-recommender').style.setProperty('--gnnrec-text', 'rgb(1, 2, 3)'));
    assert.equal((await colours()).text, 'rgb(1, 2, 3)', 'a custom property wins over the dark default');
    await page.emulateMedia({ colorScheme: 'light' });
    assert.deepEqual(await colours(), { text: 'rgb(1, 2, 3)', background: 'rgba(0, 0, 0, 0)', card: 'rgb(244, 244, 246)' });
    await context.close();
  });

  test('search, like and clear with the keyboard alone', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(demo());
    await ready(page);
    const focused = () => inWidget(page, (s) => {
      const el = s.activeElement;
      return el && { id: el.id, className: el.className, pressed: el.getAttribute('aria-pressed'), list: el.closest('ol')?.id ?? null };
    });
    const tabTo = async (wanted, key = 'Tab') => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press(key);
        const f = await focused();
        if (f && wanted(f)) return f;
      }
      throw new Error(`${key} never reached the element; focus is on ${JSON.stringify(await focused())}`);
    };

    await tabTo((f) => f.id === 'query');
    await page.keyboard.type('animated film for kids');
    await resultCount(page, 10);
    await tabTo((f) => f.className === 'like' && f.list === 'results');
    await page.keyboard.press('Enter');
    await whyStartsWith(page, 'because you liked');
    await waitFor(page, (s) => s.activeElement?.matches('#results button.like[aria-pressed="true"]'));
    assert.equal((await page.evaluate(() => document.querySelector('gnn-recommender').recommender.history())).length, 1);

    await tabTo((f) => f.id === 'clear', 'Shift+Tab');
    await page.keyboard.press('Space');
    await whyStartsWith(page, 'popular');
    assert.deepEqual(await page.evaluate(() => document.querySelector('gnn-recommender').recommender.history()), []);
    await context.close();
  });
});
