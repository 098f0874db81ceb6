// <gnn-recommender bundle="bundles/movielens/" backend="auto" k="10">: search box with
// results as you type, like buttons, "recommended for you", load progress, backend badge
// and "clear my data" — all computed on this device in a Web Worker. Catalogue strings are
// only ever set as text. Raw model scores mean nothing to a visitor: they are shown only
// with the `debug` attribute (they are always in the API results). Style with CSS custom properties: --gnnrec-accent, --gnnrec-text,
// --gnnrec-muted, --gnnrec-background, --gnnrec-card-background, --gnnrec-radius, --gnnrec-font.
import { RecommenderClient } from './worker-client.js';

const STYLE = `
  :host { display: block; font: var(--gnnrec-font, 16px/1.5 system-ui, sans-serif);
    color: var(--gnnrec-text, #1d1d1f); background: var(--gnnrec-background, transparent); }
  header { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
  .badge { border: 1px solid var(--gnnrec-muted, #666); border-radius: 999px; padding: 0 .6rem; font-size: .8em; }
  progress { width: 100%; accent-color: var(--gnnrec-accent, #0b57d0); }
  input { font: inherit; width: 100%; box-sizing: border-box; padding: .4rem .6rem; }
  ol { list-style: none; padding: 0; display: grid; gap: .5rem; }
  li { background: var(--gnnrec-card-background, #f4f4f6); border-radius: var(--gnnrec-radius, 8px); padding: .5rem .75rem; }
  .title { font-weight: 600; }
  .subtitle, .why, .score { color: var(--gnnrec-muted, #555); font-size: .875em; }
  button { font: inherit; cursor: pointer; }
  button.like[aria-pressed="true"] { background: var(--gnnrec-accent, #0b57d0); color: white; }
  button.like[aria-pressed="true"]::before { content: "✓ "; }
  [role="alert"] { color: #b3261e; }
  [hidden] { display: none; }
`;

const TEMPLATE = `
  <header>
    <span class="badge" id="backend" title="Where the query encoder runs">loading…</span>
    <button type="button" id="clear">Clear my data</button>
    <button type="button" id="offline" hidden>Make the whole catalogue available offline</button>
  </header>
  <div id="offline-progress" hidden>
    <progress id="offline-bar" max="1" value="0" aria-label="Storing the catalogue for offline use"></progress>
    <p id="offline-status" role="status" aria-live="polite"></p>
  </div>
  <div id="loading">
    <progress id="progress" max="1" value="0" aria-label="Loading the recommender"></progress>
    <p id="status" role="status" aria-live="polite">Loading…</p>
  </div>
  <p id="error" role="alert" hidden></p>
  <p id="shards" class="why" role="status" aria-live="polite" hidden></p>
  <p id="notice" class="why" role="status" hidden></p>
  <label for="query">Search</label>
  <input id="query" type="search" autocomplete="off" disabled placeholder="Describe what you are looking for">
  <h2 id="results-heading">Results</h2>
  <ol id="results" aria-labelledby="results-heading" aria-live="polite"></ol>
  <h2 id="recommended-heading">Recommended for you</h2>
  <ol id="recommended" aria-labelledby="recommended-heading" aria-live="polite"></ol>
`;

const megabytes = (bytes) => (bytes / 1e6).toFixed(1);

class RecommenderElement extends HTMLElement {
  #root = this.attachShadow({ mode: 'open' });
  #recommender = null;
  #liked = new Set();
  #timer = 0;
  #query = 0;
  /** The results each list shows, to render again when `debug` changes. */
  #shown = new Map();

  connectedCallback() {
    if (this.#root.childElementCount) return;
    this.#root.innerHTML = `<style>${STYLE}</style>${TEMPLATE}`;
    this.#el('query').addEventListener('input', () => {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.#search(), 200);
    });
    this.#el('clear').addEventListener('click', () => this.#clear());
    this.#el('offline').addEventListener('click', () => this.#downloadAll());
    this.#load();
  }

  static get observedAttributes() { return ['debug']; }

  attributeChangedCallback() {
    for (const [listId, results] of this.#shown) this.#render(listId, results);
  }

  disconnectedCallback() { this.#recommender?.close(); }

  /** The main-thread API of the loaded recommender (`null` while loading). */
  get recommender() { return this.#recommender; }

  #el(id) { return this.#root.getElementById(id); }

  get #k() { return Number(this.getAttribute('k') ?? 10) || 10; }

  async #load() {
    const bundle = this.getAttribute('bundle');
    try {
      if (!bundle) throw new Error('the bundle attribute is missing');
      this.#recommender = await RecommenderClient.load(bundle, {
        backend: this.getAttribute('backend') ?? 'auto',
        storeName: this.getAttribute('store') ?? 'gnnrec-history',
        onProgress: (progress) => this.#progress(progress),
      });

    } catch (error) {
      this.#el('loading').hidden = true;
      this.#show(`Could not load the recommender: ${error.message}`);
      this.#el('backend').textContent = 'not loaded';
      this.dispatchEvent(new CustomEvent('gnnrec-error', { detail: error.message }));
      return;
    }
    const r = this.#recommender;
    this.#el('loading').hidden = true;
    this.#el('backend').textContent = r.backend === 'webgpu' ? 'WebGPU' : 'CPU';
    this.#el('backend').title = r.fallbackReason ?? `Query encoder on ${r.backend}`;
    this.#el('status').textContent = `Ready: ${r.itemCount} items` + (r.fallbackReason ? ` — ${r.fallbackReason}` : '');
    this.#el('query').disabled = false;
    this.#el('offline').hidden = !r.sharded;
    this.#liked = new Set((await r.history()).map((h) => h.id));
    await this.#recommend();
    this.dispatchEvent(new CustomEvent('gnnrec-ready', { detail: { backend: r.backend, fallbackReason: r.fallbackReason } }));
  }

  /** Load progress: the start files, shards a request is waiting for, the offline download. */
  #progress({ stage, loaded, total, pending }) {
    if (stage === 'shards') {
      this.#el('shards').hidden = loaded >= pending;
      this.#el('shards').textContent = `Loading part of the catalogue (${loaded} of ${pending})…`;
    } else if (stage === 'offline') {
      this.#el('offline-bar').value = total ? loaded / total : 0;
      this.#el('offline-status').textContent = `Stored ${loaded} of ${total} catalogue files on this device…`;
    } else {
      this.#el('progress').value = total ? loaded / total : 0;
      this.#el('status').textContent = stage === 'download'
        ? `Downloading ${megabytes(loaded)} of ${megabytes(total)} MB…`
        : 'Checking the files and starting the model…';
    }
  }

  async #downloadAll() {
    this.#el('offline').disabled = true;
    this.#el('offline-progress').hidden = false;
    try {
      const { files, bytes } = await this.#recommender.downloadAll();
      this.#el('offline-status').textContent =
        `The whole catalogue is available offline (${files} files, ${megabytes(bytes)} MB downloaded).`;
    } catch (error) {
      this.#el('offline-status').textContent = `Could not store the catalogue: ${error.message}`;
      this.#el('offline').disabled = false;
    }
  }

  /** Says when an answer left part of the catalogue out (offline, or a file that failed). */
  #notices(notices) {
    this.#el('notice').hidden = !notices?.length;
    this.#el('notice').textContent = notices?.length
      ? 'Part of the catalogue could not be loaded (offline or unavailable): these results come from the rest.'
      : '';
    this.#el('notice').title = notices?.join('\n') ?? '';
  }

  #show(message) {
    this.#el('error').hidden = !message;
    this.#el('error').textContent = message ?? '';
  }

  async #search() {
    const query = this.#el('query').value;
    const ticket = ++this.#query;
    if (!query.trim()) { this.#render('results', []); return; }
    try {
      const { results, notices } = await this.#recommender.search(query, { k: this.#k });
      if (ticket === this.#query) { this.#render('results', results); this.#show(null); this.#notices(notices); }
    } catch (error) {
      this.#show(error.message);
    }
  }

  async #recommend() {
    const { results, notices } = await this.#recommender.recommend({ k: this.#k });
    this.#render('recommended', results);
    this.#notices(notices);
  }

  async #toggle(id) {
    const history = this.#liked.has(id) ? await this.#recommender.unlike(id) : await this.#recommender.like(id);
    this.#liked = new Set(history.map((h) => h.id));
    await Promise.all([this.#recommend(), this.#search()]);
  }

  async #clear() {
    await this.#recommender?.clearHistory();
    this.#liked.clear();
    if (this.#recommender) await Promise.all([this.#recommend(), this.#search()]);
  }

  #render(listId, results) {
    if (!this.#root.childElementCount) return;
    this.#shown.set(listId, results);
    const debug = this.hasAttribute('debug');
    // Keep the keyboard focus on a like button when its list is drawn again.
    const focused = this.#root.activeElement;
    const refocus = focused?.classList.contains('like') && this.#el(listId).contains(focused) ? focused.dataset.id : null;
    this.#el(listId).replaceChildren(...results.map((r) => {
      const card = document.createElement('li');
      const title = document.createElement('div');
      title.className = 'title';
      title.textContent = r.title;
      const subtitle = document.createElement('div');
      subtitle.className = 'subtitle';
      subtitle.textContent = r.subtitle;
      const why = document.createElement('div');
      why.className = 'why';
      why.textContent = r.why;
      const like = document.createElement('button');
      like.type = 'button';
      like.className = 'like';
      like.dataset.id = r.id;
      const liked = this.#liked.has(r.id);
      // The visible text is the start of the accessible name ("Like <title>"), which does not
      // change with the state: aria-pressed (and the filled, ticked style) says it is on.
      like.textContent = 'Like';
      like.setAttribute('aria-pressed', String(liked));
      like.setAttribute('aria-label', `Like ${r.title}`);
      like.addEventListener('click', () => this.#toggle(r.id));
      card.append(title, subtitle, why);
      if (debug) {
        const score = document.createElement('span');
        score.className = 'score';
        score.textContent = `score ${r.score.toFixed(3)} `;
        card.append(score);
      }
      card.append(like);
      return card;
    }));
    if (refocus !== null) {
      [...this.#el(listId).querySelectorAll('button.like')].find((b) => b.dataset.id === refocus)?.focus();
    }
  }
}

customElements.define('gnn-recommender', RecommenderElement);
