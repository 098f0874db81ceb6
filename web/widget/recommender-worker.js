// The dedicated Web Worker that owns the wasm runtime and the visitor's history, so the
// page never blocks. Messages: `{id, method, args}` → `{id, result}` or `{id, error}`;
// loading also posts `{progress}` updates.
import { fetchManifest, loadWasmRecommender, wasmMemoryBytes } from './wasm-loader.js';
import { HistoryStore } from './history-store.js';

let recommender;
let store;
/** The bundle's URL and the manifest it was loaded from. */
let loadedFrom;

function ready() {
  if (!recommender) throw new Error('the recommender is not loaded');
  return recommender;
}

const methods = {
  async load({ bundleUrl, backend, encoder, privacy, storeName }) {
    store = await HistoryStore.open(storeName);
    recommender = await loadWasmRecommender(bundleUrl, {
      backend,
      encoder,
      privacy,
      onProgress: (progress) => postMessage({ progress }),
      onManifest: (manifest) => { loadedFrom = { bundleUrl, manifest }; },
    });
    return {
      backend: recommender.backend,
      fallbackReason: recommender.fallbackReason ?? null,
      itemCount: recommender.itemCount,
      sharded: recommender.sharded === true,
      privacy: recommender.privacy ?? 'strict',
    };
  },
  async search({ query, k }) { return ready().search(query, await store.all(), k); },
  async recommend({ k }) { return ready().recommend(await store.all(), k); },
  /** The items most like item `id`: the recommendations of a history of that item alone. */
  related: ({ id, k }) => ready().recommend([{ id: String(id), timestampMs: Date.now() }], k),
  async like({ id }) { await store.put(String(id)); return store.all(); },
  async unlike({ id }) { await store.delete(String(id)); return store.all(); },
  history: () => store.all(),
  /** Whether the host now has another version of the bundle than the one loaded. */
  async bundleChanged() {
    ready();
    const base = new URL(loadedFrom.bundleUrl.endsWith('/') ? loadedFrom.bundleUrl : `${loadedFrom.bundleUrl}/`);
    const now = await fetchManifest(base);
    return now.length !== loadedFrom.manifest.length || now.some((byte, i) => byte !== loadedFrom.manifest[i]);
  },
  clearHistory: () => store.clear(),
  async stats() {
    return { wasmMemoryBytes: await wasmMemoryBytes(), residentShardBytes: recommender?.residentBytes ?? 0 };
  },
  /** Every URL this worker has fetched (runtime, bundle files, shards), for a service worker
   *  that took control of the page after they were loaded. */
  fetchedUrls: () => performance.getEntriesByType('resource').map((entry) => entry.name),
  async downloadAll() {
    if (!ready().sharded) throw new Error('this bundle is not sharded: it is already loaded whole');
    return recommender.downloadAll((progress) => postMessage({ progress }));
  },
};

onmessage = async ({ data: { id, method, args } }) => {
  try {
    if (!Object.hasOwn(methods, method)) throw new Error(`unknown method ${method}`);
    postMessage({ id, result: await methods[method](args ?? {}) });
  } catch (error) {
    postMessage({ id, error: error?.message ?? String(error) });
  }
};
