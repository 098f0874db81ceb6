// The demo page: an installable PWA (manifest + service worker, offline after one visit)
// with one <gnn-recommender> on the MovieLens bundle, loaded from the built npm package (pkg/)
// as a site owner would load it; `?bundle=` and `?backend=` override its attributes, and
// `?debug` shows the raw model scores.
import '../../pkg/recommender-element.js';

const params = new URLSearchParams(location.search);
const widget = document.createElement('gnn-recommender');
widget.setAttribute('bundle', params.get('bundle') ?? '../../bundles/movielens/bundle/');
widget.setAttribute('backend', params.get('backend') ?? 'auto');
// The package's worker, started from this folder so that the service worker controls it.
widget.setAttribute('worker', 'recommender-worker.js');
if (params.has('debug')) widget.setAttribute('debug', '');
document.getElementById('demo').append(widget);

/** Resolves once `widget` has loaded (at once if it already has); rejects if it failed. */
function loaded(widget) {
  if (widget.recommender) return Promise.resolve();
  return new Promise((ok, fail) => {
    widget.addEventListener('gnnrec-ready', ok, { once: true });
    widget.addEventListener('gnnrec-error', (event) => fail(new Error(event.detail)), { once: true });
  });
}

/** Resolves once a service worker controls this page. */
function controlled() {
  if (navigator.serviceWorker.controller) return Promise.resolve();
  return new Promise((ok) => navigator.serviceWorker.addEventListener('controllerchange', ok, { once: true }));
}

/** Asks the controlling service worker to cache `urls`; resolves when it has. */
function cacheInServiceWorker(urls) {
  return new Promise((ok, fail) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = ({ data }) => (data.error ? fail(new Error(data.error)) : ok(data));
    navigator.serviceWorker.controller.postMessage({ type: 'cache', urls }, [channel.port2]);
  });
}

/**
 * Makes this visit enough to work offline. The widget starts at once, without waiting for
 * the service worker; once both are up, the worker is handed every URL the page and the
 * widget fetched before it took control, and caches them. `<html data-offline="ready">`
 * and the page's offline line then say the demo works with no network.
 */
async function offlineReady() {
  if (!('serviceWorker' in navigator)) return;
  await navigator.serviceWorker.register('sw.js');
  await Promise.all([controlled(), loaded(widget)]);
  const urls = [location.href, ...performance.getEntriesByType('resource').map((e) => e.name),
    ...await widget.recommender.fetchedUrls()];
  const { cached } = await cacheInServiceWorker(urls);
  document.documentElement.dataset.offline = 'ready';
  document.getElementById('offline').textContent = `Works offline on this device now (${cached} files stored).`;
}

offlineReady().catch((error) => console.warn(`offline mode unavailable: ${error.message}`));
