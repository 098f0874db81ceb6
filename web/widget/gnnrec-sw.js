// gnnrec's opt-in service worker: after one visit, the pages that hold a
// `<gnn-recommender offline="…">` work with no network. It is one self-contained file: copy it
// to a folder whose scope covers those pages (the site root is simplest) and name it in the
// `offline` attribute. A service worker controls only pages under its own folder, and static
// hosts do not send the header that would widen that.
//
// What it keeps, and nothing else:
//   - each page that registered it (the page with the widget), and the files that page loaded
//     when it registered (its scripts, styles, images);
//   - everything under the widget's folder and the bundle's folder.
// The site's other pages and files go to the network untouched and are never stored. Shards and directory buckets of a
// sharded bundle are left to the widget's worker, which keeps them in its own cache
// (`gnnrec-shards`).
//
// Strategy: content-addressed files (a hash in the name never changes its bytes) are served
// from the cache first; everything else (pages, manifest.json, the widget's scripts) goes to the
// network first and falls back to the cache, so an online visitor always sees the newest
// version and an offline one the last complete one.
//
// Messages from the widget, each with a reply port:
//   {type: 'gnnrec-offline', page, prefixes, urls, budgetBytes} → {files, bytes} or {error}
//   {type: 'gnnrec-remove'} → {removed: true}; the widget then unregisters this worker.
const CACHE = 'gnnrec-offline';
const SHARD_CACHE = 'gnnrec-shards';
/** The cache entry holding what this worker may keep (pages, URLs, prefixes). */
const SCOPE_KEY = new URL('gnnrec-offline-scope.json', self.registration.scope).href;
/** Shards and directory buckets: the widget's worker caches them itself. */
const WORKER_CACHED = /\/(shards|directory)\/[^/]+$/;
/** A content hash in a file name (16 hex digits before its extensions): the bytes never change. */
const ADDRESSED = /[/.-][0-9a-f]{16}(\.[a-z0-9]+)+$/;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

/** `url` without its hash (and without its query for pages). */
const key = (href, { page = false } = {}) => {
  const url = new URL(href, self.location.href);
  url.hash = '';
  if (page) url.search = '';
  return url.href;
};

/** What this worker keeps, read once from the cache after each start. */
let scopeRead = null;

function readScope(cache) {
  scopeRead ??= (async () => {
    const stored = await cache.match(SCOPE_KEY);
    const scope = stored ? await stored.json() : {};
    return { pages: scope.pages ?? [], urls: scope.urls ?? [], prefixes: scope.prefixes ?? [] };
  })();
  return scopeRead;
}

/** Whether this worker keeps `href`: a registered page, a URL one loaded, or under a prefix. */
function kept(scope, href, navigate) {
  if (navigate) return scope.pages.includes(key(href, { page: true }));
  const url = key(href);
  if (WORKER_CACHED.test(new URL(url).pathname)) return false;
  return scope.urls.includes(url) || scope.prefixes.some((prefix) => url.startsWith(prefix));
}

/** Bytes stored in `cache`. */
async function storedBytes(cache) {
  let bytes = 0;
  for (const request of await cache.keys()) {
    if (request.url === SCOPE_KEY) continue;
    bytes += (await (await cache.match(request)).arrayBuffer()).byteLength;
  }
  return bytes;
}

async function register({ page, prefixes, urls, budgetBytes }) {
  const cache = await caches.open(CACHE);
  const scope = await readScope(cache);
  const pageKey = key(page, { page: true });
  const sameOrigin = (href) => new URL(href, self.location.href).origin === self.location.origin;
  scope.pages = [...new Set([...scope.pages, pageKey])];
  scope.prefixes = [...new Set([...scope.prefixes, ...prefixes.filter(sameOrigin).map((p) => key(p))])];
  scope.urls = [...new Set([...scope.urls, ...urls.filter(sameOrigin).map((u) => key(u))])];
  await cache.put(SCOPE_KEY, new Response(JSON.stringify(scope), { headers: { 'content-type': 'application/json' } }));
  scopeRead = Promise.resolve(scope);
  // What the cache holds is only read when something new is to be stored (most visits store
  // nothing: everything is there already).
  let held = null;
  let bytes = 0;
  let files = 0;
  for (const url of [pageKey, ...scope.urls]) {
    if (!kept(scope, url, url === pageKey) || await cache.match(url)) continue;
    // The page and the widget's and bundle's files must all be had; another file the page
    // asked for that cannot be had (a missing /favicon.ico) is left out.
    const needed = url === pageKey || scope.prefixes.some((prefix) => url.startsWith(prefix));
    const response = await fetch(url, { cache: 'no-cache' }).catch((error) => {
      if (needed) throw new Error(`${new URL(url).pathname}: ${error.message}`);
      return null;
    });
    if (!response?.ok && !needed) continue;
    if (!response.ok) throw new Error(`${new URL(url).pathname}: HTTP ${response.status}`);
    const body = await response.clone().arrayBuffer();
    held ??= await storedBytes(cache);
    if (held + body.byteLength > budgetBytes) {
      throw new Error(`the offline copy would pass its budget of ${(budgetBytes / 1e6).toFixed(0)} MB`);
    }
    await cache.put(url, response);
    held += body.byteLength;
    bytes += body.byteLength;
    files += 1;
  }
  return { files, bytes };
}

self.addEventListener('message', (event) => {
  const [port] = event.ports;
  const { type } = event.data ?? {};
  if (!port || !['gnnrec-offline', 'gnnrec-remove'].includes(type)) return;
  event.waitUntil((async () => {
    try {
      if (type === 'gnnrec-remove') {
        await Promise.all([caches.delete(CACHE), caches.delete(SHARD_CACHE)]);
        scopeRead = null;
        port.postMessage({ removed: true });
      } else {
        port.postMessage(await register(event.data));
      }
    } catch (error) {
      port.postMessage({ error: error.message });
    }
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  const navigate = request.mode === 'navigate';
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const scope = await readScope(cache);
    if (!kept(scope, request.url, navigate)) return fetch(request);
    const url = key(request.url, { page: navigate });
    if (ADDRESSED.test(new URL(url).pathname)) {
      const cached = await cache.match(url);
      if (cached) return cached;
    }
    try {
      const response = await fetch(request, navigate ? undefined : { cache: 'no-cache' });
      if (response.ok && response.type === 'basic') await cache.put(url, response.clone());
      return response;
    } catch (error) {
      const cached = await cache.match(url);
      if (cached) return cached;
      throw error;
    }
  })());
});
