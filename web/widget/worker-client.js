// gnnrec's main-thread API: everything runs in a dedicated Web Worker (recommender-worker.js);
// every method returns a promise. Nothing leaves the device.
//
//   const r = await RecommenderClient.load('bundles/movielens/', { backend: 'auto', onProgress });
//   await r.search('animated film for kids', { k: 10 });
//   await r.like('1'); await r.recommend({ k: 10 });
/** @typedef {{id: string, timestampMs: number}} HistoryEvent A like, with its time. */
/**
 * @typedef {{kind: 'liked', id: string, title: string} | {kind: 'cluster', label: string}
 *   | {kind: 'text'} | {kind: 'popular'}} Why Why an item was suggested: close to the liked
 *   item `title`, popular in the group `label`, matching the query text, or popular.
 */
/**
 * @typedef {{index: number, id: string, title: string, subtitle: string, url?: string,
 *   score: number, why: string, because: Why}} RankedItem One result: `url` is the item's link
 *   when the catalogue has one (as the catalogue wrote it: see `safeHref` in `gnnrec/widget`),
 *   `why` the reason in English, `because` the same reason as data (the widget renders it
 *   with its own, replaceable texts).
 */
/**
 * @typedef {{results: RankedItem[], ignoredHistory: string[], notices?: string[]}} Ranked Results of a
 * call; `notices` (sharded bundles) names the shards that were left out and why.
 */
/**
 * @typedef {{stage: 'download' | 'start' | 'shards' | 'background' | 'offline', loaded: number,
 *   total?: number, pending?: number}} Progress Load progress: bytes of the start files, then shards
 *   being fetched for a request (`pending` files, `loaded` done), by strict privacy's download of
 *   every shard (`loaded` of `total`), or made available offline (`loaded` of `total`).
 */
/**
 * @typedef {{backend?: 'auto' | 'measure' | 'webgpu' | 'cpu', encoder?: 'eager' | 'on-demand',
 *   privacy?: 'auto' | 'strict' | 'balanced' | 'off', onProgress?: (progress: Progress) => void,
 *   storeName?: string, workerUrl?: string | URL}} LoadOptions
 *   Options of `RecommenderClient.load`. `encoder: 'on-demand'` leaves the query encoder's files
 *   (about 18 MB) until the first search: a page that only recommends never fetches them.
 *   `privacy` (sharded bundles; docs/guide.md, "What the host can learn"): 'strict' fetches
 *   every shard in one fixed order whatever the visitor does, and answers from what has arrived;
 *   'balanced' hides the shards a request needs among decoys; 'off' fetches only what each
 *   request needs; 'auto' is strict up to 16 MiB of shards, balanced above.
 *   `workerUrl`: the worker module to start instead of the package's recommender-worker.js. A
 *   service worker controls a worker only when the worker's URL is in its scope, so a site whose
 *   service worker does not cover the package's folder (and wants it offline) serves a module
 *   in its scope that only does `import '<package>/recommender-worker.js'`, and names it here.
 */

export class RecommenderClient {
  #worker;
  #pending = new Map();
  #next = 0;
  #onProgress;
  #closed = false;
  /** @type {'webgpu' | 'cpu' | 'none' | 'deferred' | null} Where the query encoder runs
   *  (`deferred`: it loads on the first search). */
  backend = null;
  /** @type {string | null} Why WebGPU is not used although it was asked for. */
  fallbackReason = null;
  /** Number of catalogue items. */
  itemCount = 0;
  /** Whether the bundle is sharded (format v2): shards load as requests need them. */
  sharded = false;
  /** @type {'strict' | 'balanced' | 'off'} The privacy mode in force (a whole, v1 bundle
   *  loads everything at once: strict). */
  privacy = 'strict';

  /**
   * Use `RecommenderClient.load`.
   * @param {Worker} worker
   * @param {(progress: Progress) => void} onProgress
   */
  constructor(worker, onProgress) {
    this.#worker = worker;
    this.#onProgress = onProgress;
    worker.onmessage = ({ data }) => {
      if (data.progress) { this.#onProgress(data.progress); return; }
      const pending = this.#pending.get(data.id);
      this.#pending.delete(data.id);
      if (data.error !== undefined) pending?.reject(new Error(data.error));
      else pending?.resolve(data.result);
    };
    worker.onerror = (event) => {
      const error = new Error(`gnnrec worker failed: ${event.message ?? 'unknown error'}`);
      for (const { reject } of this.#pending.values()) reject(error);
      this.#pending.clear();
    };
  }

  /**
   * @param {string} method
   * @param {object} [args]
   * @returns {Promise<any>}
   */
  #call(method, args) {
    if (this.#closed) return Promise.reject(new Error('this recommender is closed'));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, method, args });
    });
  }

  /**
   * Starts the worker and loads the bundle at `bundleUrl`; `backend` is 'auto' | 'webgpu' |
   * 'cpu'; `onProgress({stage, loaded, total})` reports bytes downloaded, then 'start'.
   * Likes are kept in the IndexedDB database `storeName`. Relative URLs are resolved against
   * the page.
   * @param {string | URL} bundleUrl
   * @param {LoadOptions} [options]
   * @returns {Promise<RecommenderClient>}
   */
  static async load(bundleUrl, {
    backend = 'auto', encoder = 'eager', privacy = 'auto', onProgress = () => {}, storeName = 'gnnrec-history',
    workerUrl,
  } = {}) {
    // The package's worker as a literal path resolved against import.meta.url: the form
    // bundlers recognise to bundle a worker.
    const worker = workerUrl
      ? new Worker(new URL(workerUrl, location.href), { type: 'module' })
      : new Worker(new URL('./recommender-worker.js', import.meta.url), { type: 'module' });
    const recommender = new RecommenderClient(worker, onProgress);
    try {
      const info = await recommender.#call('load', {
        bundleUrl: new URL(bundleUrl, location.href).href, backend, encoder, privacy, storeName,
      });
      Object.assign(recommender, info);
      return recommender;
    } catch (error) {
      worker.terminate();
      throw error;
    }
  }

  /**
   * `{results, ignoredHistory}` for a text query, personalised by the stored likes.
   * @param {string} query
   * @param {{k?: number}} [options]
   * @returns {Promise<Ranked>}
   */
  search(query, { k = 10 } = {}) { return this.#call('search', { query, k }); }

  /**
   * `{results, ignoredHistory}`: the best unseen items for the stored likes.
   * @param {{k?: number}} [options]
   * @returns {Promise<Ranked>}
   */
  recommend({ k = 10 } = {}) { return this.#call('recommend', { k }); }

  /**
   * `{results, ignoredHistory}`: the items most like item `id` ("more like this"), whatever
   * the stored likes; `ignoredHistory` holds `id` when the catalogue does not have it.
   * @param {string} id
   * @param {{k?: number}} [options]
   * @returns {Promise<Ranked>}
   */
  related(id, { k = 10 } = {}) { return this.#call('related', { id, k }); }

  /**
   * Likes `id` (now); resolves to the history.
   * @param {string} id
   * @returns {Promise<HistoryEvent[]>}
   */
  like(id) { return this.#call('like', { id }); }

  /**
   * Removes the like of `id`; resolves to the history.
   * @param {string} id
   * @returns {Promise<HistoryEvent[]>}
   */
  unlike(id) { return this.#call('unlike', { id }); }

  /**
   * The stored likes, oldest first.
   * @returns {Promise<HistoryEvent[]>}
   */
  history() { return this.#call('history'); }

  /**
   * Whether the host now has another version of the bundle than the one loaded (the manifest
   * is fetched again, revalidated with the host).
   * @returns {Promise<boolean>}
   */
  bundleChanged() { return this.#call('bundleChanged'); }

  /**
   * Forgets every like.
   * @returns {Promise<void>}
   */
  clearHistory() { return this.#call('clearHistory'); }

  /**
   * The runtime's memory (the peak so far; wasm memory only grows) and, for a sharded
   * bundle, the bytes of decoded shards it holds.
   * @returns {Promise<{wasmMemoryBytes: number, residentShardBytes: number}>}
   */
  stats() { return this.#call('stats'); }

  /**
   * Sharded bundles: stores every shard in the Cache API so that the whole catalogue works
   * offline; `onProgress({stage: 'offline', loaded, total})` counts files. Resolves to
   * `{files, bytes}` downloaded.
   * @returns {Promise<{files: number, bytes: number}>}
   */
  downloadAll() { return this.#call('downloadAll'); }

  /**
   * Every URL the worker has fetched so far (the wasm runtime, the bundle's files, shards),
   * so that a page whose service worker took control late can have them cached too.
   * @returns {Promise<string[]>}
   */
  fetchedUrls() { return this.#call('fetchedUrls'); }

  /** Stops the worker; calls still waiting, and any later call, reject. */
  close() {
    this.#closed = true;
    this.#worker.terminate();
    const error = new Error('this recommender is closed');
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }
}
