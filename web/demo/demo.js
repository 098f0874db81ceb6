// The demo page: an installable PWA with one <gnn-recommender> on the MovieLens bundle, loaded
// from the built npm package (pkg/) as a site owner would load it, offline after one visit
// through the package's service worker (`offline`, sw.js); `?bundle=` and `?backend=` override
// its attributes, and `?debug` shows the raw model scores.
import '../../pkg/recommender-element.js';

const params = new URLSearchParams(location.search);
const widget = document.createElement('gnn-recommender');
widget.setAttribute('bundle', params.get('bundle') ?? '../../bundles/movielens/bundle/');
widget.setAttribute('backend', params.get('backend') ?? 'auto');
// The package's worker, started from this folder so that the service worker controls it.
widget.setAttribute('worker', 'recommender-worker.js');
widget.setAttribute('offline', 'sw.js');
if (params.has('debug')) widget.setAttribute('debug', '');
if (params.has('privacy')) widget.setAttribute('privacy', params.get('privacy'));
// `<html data-offline="ready">` and the page's offline line say when the demo works with no network.
widget.addEventListener('gnnrec-offline', ({ detail }) => {
  document.documentElement.dataset.offline = 'ready';
  document.getElementById('offline').textContent = `Works offline on this device now (${detail.files} files stored).`;
});
document.getElementById('demo').append(widget);
