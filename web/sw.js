// Service worker of the demo PWA: every same-origin GET goes to the network first and its
// response is kept in the cache, so after one visit the page, the wasm runtime, the worker
// and the bundle all load offline. Network first (not cache first) so that a re-exported
// bundle, whose file names do not change, is never mixed with stale cached files. The shards
// and directory files of a sharded bundle are left to the worker (`sharded-bundle.js`): their
// names are content hashes, so it keeps them cache-first in its own store, `gnnrec-shards`.
const CACHE = 'gnnrec-demo-v3';
const SHARD_CACHE = 'gnnrec-shards';
const SHARD_PATH = /\/(shards|directory)\/[^/]+$/;
const SHELL = [
  './index.html', './demo.js', './manifest.webmanifest', './icon.svg', './recommender-element.js',
  './worker-client.js', './recommender-worker.js', './wasm-loader.js', './sharded-bundle.js', './history-store.js',
  '../pkg/gnnrec_wasm.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE && name !== SHARD_CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== location.origin || SHARD_PATH.test(url.pathname)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(request, response.clone());
      return response;
    } catch (error) {
      const cached = await cache.match(request, { ignoreSearch: request.mode === 'navigate' });
      if (cached) return cached;
      throw error;
    }
  })());
});
