// <gnn-recommender bundle="bundles/movielens/" backend="auto" k="10" layout="both">: search box
// with results as you type, like buttons, "recommended for you", "more like this" (with
// `related-to`), load progress, backend badge and "clear my data" — all computed on this device
// in a Web Worker. `loading="lazy"` fetches nothing until the widget is near the viewport or
// focused; `offline="gnnrec-sw.js"` keeps an offline copy with the packaged service worker.
// Catalogue strings are only ever set as text, and a result's `url` becomes a link only when it is http(s)
// (`safeHref`). Raw model scores are shown only with the `debug` attribute (they are always in
// the API results). Every text is replaceable (`strings`), every visible piece has a `part`
// name, and the colours are CSS custom properties with light and dark defaults. Its types
// (attributes, properties, events) are in recommender-element.d.ts.
import { RecommenderClient } from './worker-client.js';
import { DEFAULT_STRINGS, format, reasonText, resolveStrings } from './strings.js';
import { safeHref } from './links.js';
import { keepOffline, removeOfflineCopy } from './offline-copy.js';
import { FIXED_TEXTS, STYLE, TEMPLATE } from './template.js';

export { DEFAULT_STRINGS } from './strings.js';
export { safeHref } from './links.js';

const LAYOUTS = ['both', 'search', 'recommendations', 'related'];
/** The list each result list's `gnnrec-select` names. */
const SOURCES = { results: 'search', recommended: 'recommendations', related: 'related' };
/** Events a site may cancel: they bubble out of the element (and out of shadow roots). */
const CANCELABLE = { bubbles: true, composed: true, cancelable: true };
const megabytes = (bytes) => (bytes / 1e6).toFixed(1);
/** The offline copy's default size budget, in MB (`offline-budget`). */
const OFFLINE_BUDGET_MB = 250;

export class RecommenderElement extends HTMLElement {
  #root = this.attachShadow({ mode: 'open' });
  /** @type {RecommenderClient | null} */
  #recommender = null;
  #liked = new Set();
  #timer = 0;
  #query = 0;
  /** Counts loads: a load that is no longer the latest drops its recommender. */
  #loads = 0;
  /** The results each list shows, to render again when `debug` or the texts change. */
  #shown = new Map();
  /** What each text shows, as {id, where, key, values}, to set again when the texts change. */
  #texts = new Map();
  #strings = DEFAULT_STRINGS;
  /** The offline copy being made (`offline`), settled when done. */
  #keeping = Promise.resolve();
  /** Whether the visitor removed the offline copy on this page (none is made again here). */
  #offlineRemoved = false;
  /** Whether a new version of the bundle is being loaded beside the current one. */
  #updating = false;
  /** Checks for a new version when the page is back online (not on a timer, nor when the tab
   *  is shown again: either would tell the host when the visitor is there). */
  #onOnline = () => this.#checkForUpdate();

  static get observedAttributes() { return ['bundle', 'k', 'layout', 'debug', 'strings', 'related-to']; }

  connectedCallback() {
    if (!this.#root.childElementCount) this.#build();
    addEventListener('online', this.#onOnline);
    if (this.getAttribute('loading') === 'lazy') this.#loadWhenNeeded();
    else this.#load();
  }

  /** `loading="lazy"`: loads once the widget comes within 200 px of the viewport or gets the
   *  focus, whichever is first; nothing is fetched before. */
  #loadWhenNeeded() {
    const load = ++this.#loads;
    this.#say('status', 'waiting');
    const start = () => {
      observer.disconnect();
      this.removeEventListener('focusin', start);
      if (load === this.#loads && this.isConnected) this.#load();
    };
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) start();
    }, { rootMargin: '200px' });
    observer.observe(this);
    this.addEventListener('focusin', start);
  }

  disconnectedCallback() {
    removeEventListener('online', this.#onOnline);
    this.#loads += 1;
    this.#recommender?.close();
    this.#recommender = null;
  }

  attributeChangedCallback(name, previous, value) {
    if (previous === value) return;
    if (name === 'strings') {
      this.#useStrings(this.#parseStrings(value));
      return;
    }
    if (!this.#root.childElementCount) return; // set up when connected
    if (name === 'debug') this.#renderAll();
    else if (name === 'layout' || name === 'related-to') { this.#applyLayout(); this.#refresh(); }
    else if (name === 'k') this.#refresh();
    else if (name === 'bundle' && this.isConnected) this.#load();
  }

  /** The main-thread API of the loaded recommender (`null` while loading). */
  get recommender() { return this.#recommender; }

  /** The texts in use (the defaults with the overrides merged over them). Setting it to a
   *  partial object of texts replaces the overrides (as the `strings` attribute does). */
  get strings() { return this.#strings; }
  set strings(overrides) { this.#useStrings(overrides); }

  get bundle() { return this.getAttribute('bundle') ?? ''; }
  set bundle(url) { this.setAttribute('bundle', String(url)); }
  get backend() { return this.getAttribute('backend') ?? 'auto'; }
  set backend(backend) { this.setAttribute('backend', backend); }
  get store() { return this.getAttribute('store') ?? 'gnnrec-history'; }
  set store(name) { this.setAttribute('store', name); }
  get worker() { return this.getAttribute('worker') ?? ''; }
  set worker(url) { this.setAttribute('worker', String(url)); }
  /** Results per list: the `k` attribute when it is a positive integer, else 10. */
  get k() {
    const k = Number(this.getAttribute('k'));
    return Number.isInteger(k) && k > 0 ? k : 10;
  }
  set k(k) { this.setAttribute('k', String(k)); }
  get layout() {
    const layout = this.getAttribute('layout');
    return LAYOUTS.includes(layout) ? layout : 'both';
  }
  set layout(layout) { this.setAttribute('layout', layout); }
  /** The catalogue id whose similar items "More like this" shows (`related-to`; none: hidden). */
  get relatedTo() { return this.getAttribute('related-to') ?? ''; }
  set relatedTo(id) {
    if (id) this.setAttribute('related-to', String(id));
    else this.removeAttribute('related-to');
  }
  get debug() { return this.hasAttribute('debug'); }
  set debug(on) { this.toggleAttribute('debug', Boolean(on)); }

  #build() {
    // A property set before the element was defined shadows its accessor: set it again.
    for (const property of ['strings', 'bundle', 'backend', 'store', 'worker', 'k', 'layout', 'debug', 'relatedTo']) {
      if (!Object.hasOwn(this, property)) continue;
      const value = this[property];
      delete this[property];
      this[property] = value;
    }
    this.#root.innerHTML = `<style>${STYLE}</style>${TEMPLATE}`;
    for (const [id, where, key] of FIXED_TEXTS) this.#say(id, key, {}, where);
    this.#el('query').addEventListener('input', () => {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.#search(), 200);
    });
    this.#el('clear').addEventListener('click', () => this.#clear());
    this.#el('offline').addEventListener('click', () => this.#downloadAll());
    this.#el('remove-offline').addEventListener('click', () => this.removeOfflineCopy());
    this.#applyLayout();
  }

  #el(id) { return this.#root.getElementById(id); }

  /** Shows the text `key` of the strings in use, filled with `values` (a function value is
   *  called each time: a text made from another one), as the text (or the attribute `where`)
   *  of element `id`, and remembers it for when the texts change. */
  #say(id, key, values = {}, where = 'text') {
    const text = { id, where, key, values };
    this.#texts.set(`${id} ${where}`, text);
    this.#write(text);
  }

  #write({ id, where, key, values }) {
    const filled = Object.fromEntries(Object.entries(values).map(([name, value]) =>
      [name, typeof value === 'function' ? value() : value]));
    const text = format(this.#strings[key], filled);
    if (where === 'text') this.#el(id).textContent = text;
    else this.#el(id).setAttribute(where, text);
  }

  /** Empties the text of element `id`. */
  #unsay(id) {
    this.#texts.delete(`${id} text`);
    this.#el(id).textContent = '';
  }

  #parseStrings(json) {
    if (json === null) return null;
    try {
      return JSON.parse(json);
    } catch (error) {
      console.warn(`<gnn-recommender>: the strings attribute is not JSON (${error.message}); using the default texts`);
      return null;
    }
  }

  #useStrings(overrides) {
    const { strings, ignored } = resolveStrings(overrides);
    if (ignored.length) console.warn(`<gnn-recommender>: strings ignored (unknown key or not a string): ${ignored.join(', ')}`);
    this.#strings = strings;
    if (!this.#root.childElementCount) return;
    for (const text of this.#texts.values()) this.#write(text);
    this.#renderAll();
  }

  #applyLayout() {
    const layout = this.layout;
    this.#el('search').hidden = !['both', 'search'].includes(layout);
    this.#el('recommendations').hidden = !['both', 'recommendations'].includes(layout);
    this.#el('more').hidden = !this.relatedTo || !['both', 'related'].includes(layout);
  }

  /** Resets the widget and loads the bundle; a newer load or a disconnection supersedes it. */
  async #load() {
    const load = ++this.#loads;
    this.#recommender?.close();
    this.#recommender = null;
    this.#el('loading').hidden = false;
    this.#el('progress').hidden = false;
    this.#el('progress').value = 0;
    this.#say('status', 'loading');
    this.#say('backend', 'badgeLoading');
    this.#say('backend', 'badgeTitle', {}, 'title');
    this.#el('query').disabled = true;
    this.#el('offline').hidden = true;
    this.#show(null);
    this.#notices(null);
    this.#render('results', []);
    this.#render('recommended', []);
    this.#render('related', []);
    this.#el('recommended-empty').hidden = true;
    let r;
    try {
      r = await this.#start((progress) => { if (load === this.#loads) this.#progress(progress); });
    } catch (error) {
      if (load !== this.#loads) return;
      this.#el('loading').hidden = true;
      this.#show('loadFailed', { message: error.message });
      this.#say('backend', 'badgeFailed');
      this.dispatchEvent(new CustomEvent('gnnrec-error', { detail: error.message, bubbles: true, composed: true }));
      return;
    }
    if (load !== this.#loads) { r.close(); return; }
    this.#recommender = r;
    // The bar goes; the status line stays: it says how many items, and why the encoder runs
    // where it does when that was not simply the backend asked for.
    this.#el('progress').hidden = true;
    const badge = r.backend === 'webgpu' ? 'badgeWebgpu' : 'badgeCpu';
    this.#say('backend', badge);
    if (r.fallbackReason) this.#say('backend', 'badgeTitleFallback', { reason: r.fallbackReason }, 'title');
    else this.#say('backend', 'badgeTitleReady', { backend: () => this.#strings[badge] }, 'title');
    if (r.fallbackReason) this.#say('status', 'readyFallback', { count: r.itemCount, reason: r.fallbackReason });
    else this.#say('status', 'ready', { count: r.itemCount });
    this.#el('query').disabled = false;
    this.#el('offline').hidden = !r.sharded;
    await this.#with('updateFailed', async () => { this.#liked = new Set((await r.history()).map((h) => h.id)); });
    await this.#refresh();
    if (load !== this.#loads) return;
    this.dispatchEvent(new CustomEvent('gnnrec-ready', {
      detail: { backend: r.backend, fallbackReason: r.fallbackReason }, bubbles: true, composed: true,
    }));
    if (this.hasAttribute('offline')) await (this.#keeping = this.#keepOffline(r));
  }

  /** Starts a recommender on the `bundle`, with the element's options. */
  #start(onProgress) {
    if (!this.getAttribute('bundle')) throw new Error(this.#strings.bundleMissing);
    // A layout without the search box leaves the query encoder until someone searches.
    const encoder = ['recommendations', 'related'].includes(this.layout) ? 'on-demand' : 'eager';
    return RecommenderClient.load(this.bundle, {
      backend: this.backend, encoder, privacy: this.getAttribute('privacy') || 'auto', storeName: this.store,
      workerUrl: this.getAttribute('worker') || undefined, onProgress,
    });
  }

  /** When the host has a new version of the bundle: loads it beside the current one, then
   *  switches to it in one step (the lists are shown again from it), refreshes the offline
   *  copy and fires `gnnrec-update` with the likes of items the new version no longer has
   *  (they stay stored, and count again if the items come back). */
  async #checkForUpdate() {
    const r = this.#recommender;
    if (!r || this.#updating) return;
    this.#updating = true;
    try {
      if (!(await r.bundleChanged())) return;
      const next = await this.#start(() => {});
      if (r !== this.#recommender) { next.close(); return; }
      this.#recommender = next;
      r.close();
      this.#liked = new Set((await next.history()).map((h) => h.id));
      const { ignoredHistory } = await next.recommend({ k: 1 });
      await this.#refresh();
      if (next.fallbackReason) this.#say('status', 'readyFallback', { count: next.itemCount, reason: next.fallbackReason });
      else this.#say('status', 'ready', { count: next.itemCount });
      this.dispatchEvent(new CustomEvent('gnnrec-update', {
        detail: { itemCount: next.itemCount, droppedLikes: ignoredHistory.length }, bubbles: true, composed: true,
      }));
      if (this.hasAttribute('offline')) await (this.#keeping = this.#keepOffline(next));
    } catch (error) {
      console.warn(`<gnn-recommender>: could not update the bundle: ${error.message}`);
    } finally {
      this.#updating = false;
    }
  }

  /** The service worker the `offline` attribute names (`gnnrec-sw.js` beside the page when empty). */
  get #serviceWorkerUrl() { return this.getAttribute('offline') || 'gnnrec-sw.js'; }

  /** `offline`: has the packaged service worker keep this page, the widget and the bundle and
   *  says so (`gnnrec-offline`); why it could not goes to the console only (a visitor cannot act
   *  on it). */
  async #keepOffline(r) {
    if (this.#offlineRemoved) return;
    const budget = Number(this.getAttribute('offline-budget'));
    try {
      const { files, bytes } = await keepOffline({
        swUrl: this.#serviceWorkerUrl, bundleUrl: this.bundle, workerUrls: await r.fetchedUrls(),
        workerScript: this.getAttribute('worker') || new URL('./recommender-worker.js', import.meta.url).href,
        budgetBytes: (budget > 0 ? budget : OFFLINE_BUDGET_MB) * 1e6,
      });
      if (r !== this.#recommender) return;
      this.#el('offline-note').hidden = false;
      this.#say('offline-note', 'offlineReady');
      this.#el('remove-offline').hidden = false;
      this.dispatchEvent(new CustomEvent('gnnrec-offline', { detail: { files, bytes }, bubbles: true, composed: true }));
    } catch (error) {
      if (r !== this.#recommender) return;
      console.warn(`<gnn-recommender>: no offline copy: ${error.message}`);
    }
  }

  /** Removes the offline copy (cached pages, widget, bundle and shards) and unregisters the
   *  service worker; the visitor's likes are kept. */
  async removeOfflineCopy() {
    this.#offlineRemoved = true;
    await this.#keeping; // a copy being made now would be made again after the removal
    await removeOfflineCopy(this.#serviceWorkerUrl);
    this.#el('remove-offline').hidden = true;
    this.#el('offline-note').hidden = false;
    this.#say('offline-note', 'offlineRemoved');
  }

  /** Load progress: the start files, shards a request is waiting for, strict privacy's
   *  download of every shard, the offline download. */
  #progress({ stage, loaded, total, pending }) {
    if (stage === 'shards') {
      this.#el('shards').hidden = loaded >= pending;
      this.#say('shards', 'shardsLoading', { loaded, pending });
    } else if (stage === 'background') {
      this.#el('shards').hidden = loaded >= total;
      this.#say('shards', 'privateDownload', { loaded, total });
    } else if (stage === 'offline') {
      this.#el('offline-bar').value = total ? loaded / total : 0;
      this.#say('offline-status', 'storeOfflineProgress', { loaded, total });
    } else {
      this.#el('progress').value = total ? loaded / total : 0;
      if (stage === 'download') this.#say('status', 'downloading', { loaded: megabytes(loaded), total: megabytes(total) });
      else this.#say('status', 'starting');
    }
  }

  async #downloadAll() {
    this.#el('offline').disabled = true;
    this.#el('offline-progress').hidden = false;
    try {
      const { files, bytes } = await this.#recommender.downloadAll();
      this.#say('offline-status', 'storeOfflineDone', { files, megabytes: megabytes(bytes) });
    } catch (error) {
      this.#say('offline-status', 'storeOfflineFailed', { message: error.message });
      this.#el('offline').disabled = false;
    }
  }

  /** Says when an answer left part of the catalogue out (offline, or a file that failed). */
  #notices(notices) {
    this.#el('notice').hidden = !notices?.length;
    if (notices?.length) this.#say('notice', 'partialResults');
    else this.#unsay('notice');
    this.#el('notice').title = notices?.join('\n') ?? '';
  }

  /** Shows the error text `key` filled with `values`, or hides the error (`null`). */
  #show(key, values) {
    this.#el('error').hidden = !key;
    if (key) this.#say('error', key, values);
    else this.#unsay('error');
  }

  /** Runs what the layout shows again (after a like, a new `k`, layout or `related-to`). */
  async #refresh() {
    if (!this.#recommender) return;
    await Promise.all([
      !this.#el('recommendations').hidden && this.#recommend(),
      !this.#el('search').hidden && this.#search(),
      !this.#el('more').hidden && this.#related(),
    ]);
  }

  /** Runs `work(r)` on the current recommender. A failure is shown with the text `failure`,
   *  unless the recommender was replaced or closed meanwhile: its answers no longer matter. */
  async #with(failure, work) {
    const r = this.#recommender;
    if (!r) return;
    try {
      await work(r);
    } catch (error) {
      if (r === this.#recommender) this.#show(failure, { message: error.message });
    }
  }

  #search() {
    const query = this.#el('query').value;
    const ticket = ++this.#query;
    if (!query.trim()) { this.#render('results', []); return; }
    return this.#with('searchFailed', async (r) => {
      const { results, notices } = await r.search(query, { k: this.k });
      if (ticket !== this.#query || r !== this.#recommender) return;
      this.#render('results', results);
      this.#show(null);
      this.#notices(notices);
    });
  }

  #recommend() {
    return this.#with('updateFailed', async (r) => {
      const { results, notices } = await r.recommend({ k: this.k });
      if (r !== this.#recommender) return;
      this.#render('recommended', results);
      this.#el('recommended-empty').hidden = results.length > 0;
      this.#notices(notices);
    });
  }

  /** "More like this": the items most like the `related-to` item (none if it is unknown). */
  #related() {
    const id = this.relatedTo;
    return this.#with('updateFailed', async (r) => {
      const { results, ignoredHistory, notices } = await r.related(id, { k: this.k });
      if (r !== this.#recommender || id !== this.relatedTo) return;
      const unknown = ignoredHistory.includes(id);
      if (unknown) console.warn(`<gnn-recommender>: related-to="${id}" is not an item of this catalogue`);
      this.#render('related', unknown ? [] : results);
      this.#notices(notices);
    });
  }

  /** Likes or unlikes `id`, unless a `gnnrec-like` listener cancels it. */
  #toggle(id) {
    const liked = !this.#liked.has(id);
    if (!this.dispatchEvent(new CustomEvent('gnnrec-like', { ...CANCELABLE, detail: { id, liked } }))) return;
    return this.#with('updateFailed', async (r) => {
      const history = liked ? await r.like(id) : await r.unlike(id);
      if (r !== this.#recommender) return;
      this.#liked = new Set(history.map((h) => h.id));
      await this.#refresh();
    });
  }

  #clear() {
    return this.#with('updateFailed', async (r) => {
      await r.clearHistory();
      if (r !== this.#recommender) return;
      this.#liked.clear();
      await this.#refresh();
    });
  }

  /** A plain click on a result's link: `gnnrec-select`, and no navigation if it is cancelled.
   *  Clicks with a modifier key (new tab, new window…) are left to the browser. */
  #select(event, item, url, source) {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    const detail = { id: item.id, url, title: item.title, source };
    if (!this.dispatchEvent(new CustomEvent('gnnrec-select', { ...CANCELABLE, detail }))) event.preventDefault();
  }

  #renderAll() {
    for (const [listId, results] of this.#shown) this.#render(listId, results);
  }

  #render(listId, results) {
    this.#shown.set(listId, results);
    const source = SOURCES[listId];
    const strings = this.#strings;
    // Keep the keyboard focus on a result's link or like button when its list is drawn again.
    const focused = this.#root.activeElement;
    const refocus = focused && this.#el(listId).contains(focused)
      ? { id: focused.closest('li').dataset.id, part: focused.getAttribute('part').split(' ')[0] } : null;
    this.#el(listId).replaceChildren(...results.map((r) => {
      const card = this.#part('li', 'result');
      card.dataset.id = r.id;
      const title = this.#part('div', 'result-title', 'title');
      const href = safeHref(r.url, document.baseURI);
      if (href) {
        const link = this.#part('a', 'result-link', '', r.title);
        link.href = href;
        link.addEventListener('click', (event) => this.#select(event, r, href, source));
        title.append(link);
      } else {
        title.textContent = r.title;
      }
      card.append(title, this.#part('div', 'result-subtitle', 'subtitle', r.subtitle),
        // "More like this" needs no reason: each is there for the item of this page.
        this.#part('div', 'result-reason', 'why', source === 'related' ? '' : reasonText(r.because, strings)));
      if (this.debug) card.append(this.#part('span', 'result-score', 'score', `${format(strings.score, { score: r.score.toFixed(3) })} `));
      const liked = this.#liked.has(r.id);
      // The visible text is the start of the accessible name ("Like <title>"), which does not
      // change with the state: aria-pressed (and the filled, ticked style) says it is on.
      const like = this.#part('button', liked ? 'like-button liked' : 'like-button', 'like', strings.like);
      like.type = 'button';
      like.setAttribute('aria-pressed', String(liked));
      like.setAttribute('aria-label', format(strings.likeLabel, { title: r.title }));
      like.addEventListener('click', () => this.#toggle(r.id));
      card.append(like);
      return card;
    }));
    if (refocus) {
      [...this.#el(listId).children].find((card) => card.dataset.id === refocus.id)
        ?.querySelector(`[part~="${refocus.part}"]`)?.focus();
    }
  }

  /** A new `tag` element with the part name(s) `part`, the class `className` and the text `text`. */
  #part(tag, part, className = '', text = '') {
    const element = document.createElement(tag);
    element.setAttribute('part', part);
    if (className) element.className = className;
    if (text) element.textContent = text;
    return element;
  }
}

customElements.define('gnn-recommender', RecommenderElement);
