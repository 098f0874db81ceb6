// The demo page: an installable PWA (manifest + service worker, offline after one visit)
// with one <gnn-recommender> on the MovieLens bundle; `?bundle=` and `?backend=` override
// its attributes, and `?debug` shows the raw model scores.
import './recommender-element.js';

/** Registers the service worker and waits (up to 5 s) until it controls this page, so the
 *  runtime and bundle fetches that follow are cached for offline use. */
async function offlineReady() {
  if (!('serviceWorker' in navigator)) return;
  await navigator.serviceWorker.register('sw.js');
  if (navigator.serviceWorker.controller) return;
  await new Promise((ok) => {
    navigator.serviceWorker.addEventListener('controllerchange', ok, { once: true });
    setTimeout(ok, 5000);
  });
}

const params = new URLSearchParams(location.search);
await offlineReady().catch((error) => console.warn(`offline mode unavailable: ${error.message}`));
const widget = document.createElement('gnn-recommender');
widget.setAttribute('bundle', params.get('bundle') ?? '../bundles/movielens/');
widget.setAttribute('backend', params.get('backend') ?? 'auto');
if (params.has('debug')) widget.setAttribute('debug', '');
document.getElementById('demo').append(widget);
