// The visitor's likes, kept on this device in IndexedDB (usable from a Web Worker, survives
// reloads, never sent anywhere). One record per item id: `{id, timestampMs}`.
const STORE = 'likes';

const request = (req) => new Promise((ok, fail) => {
  req.onsuccess = () => ok(req.result);
  req.onerror = () => fail(req.error);
});

export class HistoryStore {
  #db;

  constructor(db) { this.#db = db; }

  /** Opens (creating if needed) the database `name`. */
  static async open(name) {
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'id' });
    return new HistoryStore(await request(open));
  }

  #store(mode) { return this.#db.transaction(STORE, mode).objectStore(STORE); }

  /** Every like, oldest first. */
  async all() {
    const rows = await request(this.#store('readonly').getAll());
    return rows.sort((a, b) => a.timestampMs - b.timestampMs);
  }

  /** Records (or refreshes) a like of `id` now. */
  put(id) { return request(this.#store('readwrite').put({ id, timestampMs: Date.now() })); }

  /** Forgets the like of `id`. */
  delete(id) { return request(this.#store('readwrite').delete(id)); }

  /** Forgets everything. */
  clear() { return request(this.#store('readwrite').clear()); }
}
