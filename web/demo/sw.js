// Service worker of the demo PWA: every same-origin GET goes to the network first and its
// response is kept in the cache, so after one visit the page, the package (../../pkg/: the
// widget, the worker, the wasm runtime) and the bundle all load offline. Network first (not
// cache first) so that a re-exported bundle, whose file names do not change, is never mixed
// with stale cached files. The shards and directory files of a sharded bundle are left to the
// worker (`sharded-bundle.js`): their names are content hashes, so it keeps them cache-first
// in its own store, `gnnrec-shards`.
const CACHE = 'gnnrec-demo-v4';
const SHARD_CACHE = 'gnnrec-shards';
const SHARD_PATH = /\/(shards|directory)\/[^/]+$/;
const PACKAGE = '../../pkg/';
const SHELL = [
  './index.html', './demo.js', './recommender-worker.js', './manifest.webmanifest', './icon.svg',
  ...['recommender-element.js', 'strings.js', 'links.js', 'worker-client.js', 'recommender-worker.js',
    'wasm-loader.js', 'sharded-bundle.js', 'history-store.js', 'gnnrec_wasm.js'].map((file) => PACKAGE + file),
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

// The page hands over the URLs it and its widget fetched before this worker took control
// (`{type: 'cache', urls}` with a reply port): the same-origin ones that are not in the cache
// yet are fetched and stored, so one visit is enough to work offline. Replies `{cached}`
// (files now in the cache) or `{error}`.
self.addEventListener('message', (event) => {
  if (event.data?.type !== 'cache') return;
  const [port] = event.ports;
  event.waitUntil((async () => {
    try {
      const cache = await caches.open(CACHE);
      const wanted = new Set();
      for (const href of event.data.urls) {
        const url = new URL(href, location.href);
        url.hash = '';
        if (url.origin === location.origin && !SHARD_PATH.test(url.pathname)) wanted.add(url.href);
      }
      for (const url of wanted) {
        if (await cache.match(url)) continue;
        const response = await fetch(url);
        if (!response.ok) throw new Error(`${new URL(url).pathname}: HTTP ${response.status}`);
        await cache.put(url, response);
      }
      port.postMessage({ cached: (await cache.keys()).length });
    } catch (error) {
      port.postMessage({ error: error.message });
    }
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
