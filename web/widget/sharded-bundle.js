// A sharded (format v2) bundle in the worker: the wasm `ShardedRecommender` answers each
// request in steps, naming the shards it still needs; this module fetches them in
// parallel — from the Cache API when a visit already stored them, else from the network —
// hands them to the runtime (which checks size and SHA-256 against the manifest), and keeps
// the ones that checked out in the Cache API for later visits and offline use. A shard that
// cannot be had is reported to the runtime, which answers from the others and says so in
// `notices`. Under privacy="strict" requests fetch nothing: every file is fetched in the
// background, in one fixed order, whatever the visitor does (`fetchEverything`).

/** Cache API store of checked shard and directory files (their names are content hashes). */
export const SHARD_CACHE = 'gnnrec-shards';

const cacheStorage = () => (typeof caches === 'undefined' ? null : caches.open(SHARD_CACHE));

export class ShardedBundle {
  #runtime;
  #base;
  #fetchBytes;
  #onProgress;
  #privacy;

  /**
   * @param {any} runtime the wasm ShardedRecommender
   * @param {URL} base the bundle directory
   * @param {(url: URL) => Promise<Uint8Array>} fetchBytes
   * @param {(progress: object) => void} onProgress receives `{stage: 'shards', pending, loaded}`
   *   and, in strict mode, `{stage: 'background', loaded, total}`
   * @param {'strict' | 'balanced' | 'off'} privacy the mode the runtime is in
   */
  constructor(runtime, base, fetchBytes, onProgress, privacy) {
    this.#runtime = runtime;
    this.#base = base;
    this.#fetchBytes = fetchBytes;
    this.#onProgress = onProgress;
    this.#privacy = privacy;
  }

  get privacy() { return this.#privacy; }

  get backend() { return this.#runtime.backend; }
  get fallbackReason() { return this.#runtime.fallbackReason; }
  get itemCount() { return this.#runtime.itemCount; }
  get sharded() { return true; }
  get residentBytes() { return this.#runtime.residentBytes; }

  async search(query, history, k) {
    const embedding = await this.#runtime.encodeQuery(query);
    return this.#answer(() => this.#runtime.searchStep(embedding, history, k));
  }

  recommend(history, k) { return this.#answer(() => this.#runtime.recommendStep(history, k)); }

  /** Runs a step function until it answers, fetching what each step needs. A file that
   *  could not be had in an earlier request is tried again (online again, or stored since). */
  async #answer(step) {
    this.#runtime.beginRequest();
    for (;;) {
      const out = step();
      if (!out.need) return out;
      let loaded = 0;
      this.#onProgress({ stage: 'shards', pending: out.need.length, loaded });
      await Promise.all(out.need.map(async (path) => {
        await this.#load(path);
        this.#onProgress({ stage: 'shards', pending: out.need.length, loaded: ++loaded });
      }));
    }
  }

  /** Fetches, checks and keeps one file, or reports it unavailable; resolves to whether it
   *  was kept. */
  async #load(path) {
    const url = new URL(path, this.#base);
    const cache = await cacheStorage();
    const cached = await cache?.match(url);
    let bytes;
    try {
      bytes = cached ? new Uint8Array(await cached.arrayBuffer()) : await this.#fetchBytes(url);
    } catch (error) {
      const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
      this.#runtime.markUnavailable(path, offline ? 'offline and not cached' : error.message);
      return false;
    }
    try {
      this.#runtime.addFile(path, bytes);
    } catch (error) {
      await cache?.delete(url);
      this.#runtime.markUnavailable(path, error.message);
      return false;
    }
    if (cache && !cached) await cache.put(url, new Response(bytes));
    return true;
  }

  /**
   * Strict mode: fetches every shard and directory file in the runtime's fixed order, two at a
   * time (requests start in that order whatever the visitor does), yielding between files so
   * that requests go first on the CPU. Files that could not be had are tried again, in the same
   * order, when the browser is back online.
   */
  async fetchEverything() {
    const paths = this.#runtime.shardFiles();
    let next = 0;
    let loaded = 0;
    const failed = new Set();
    const fetcher = async () => {
      while (next < paths.length) {
        const path = paths[next++];
        if (!(await this.#load(path))) failed.add(path);
        this.#onProgress({ stage: 'background', loaded: ++loaded, total: paths.length });
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    };
    this.#onProgress({ stage: 'background', loaded, total: paths.length });
    await Promise.all([fetcher(), fetcher()]);
    const retry = async () => {
      const again = paths.filter((path) => failed.has(path));
      failed.clear();
      for (const path of again) if (!(await this.#load(path))) failed.add(path);
      if (failed.size) self.addEventListener('online', retry, { once: true });
    };
    if (failed.size) self.addEventListener('online', retry, { once: true });
  }

  /**
   * Stores every shard and directory file in the Cache API (what is already there is kept),
   * calling `onProgress({stage: 'offline', loaded, total})` with file counts; resolves to
   * `{files, bytes}` downloaded.
   */
  async downloadAll(onProgress = () => {}) {
    const cache = await cacheStorage();
    if (!cache) throw new Error('this browser has no Cache API (a secure context is needed)');
    const paths = this.#runtime.shardFiles();
    let loaded = 0;
    let bytes = 0;
    let files = 0;
    onProgress({ stage: 'offline', loaded, total: paths.length });
    for (let i = 0; i < paths.length; i += 6) {
      await Promise.all(paths.slice(i, i + 6).map(async (path) => {
        const url = new URL(path, this.#base);
        if (!(await cache.match(url))) {
          const body = await this.#fetchBytes(url);
          await cache.put(url, new Response(body));
          bytes += body.length;
          files += 1;
        }
        onProgress({ stage: 'offline', loaded: ++loaded, total: paths.length });
      }));
    }
    return { files, bytes };
  }
}
