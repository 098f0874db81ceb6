// The widget's worker, started from here (the `worker` attribute) rather than from the
// package's folder: a service worker controls a worker only when the worker's URL is in its
// scope, and this demo's service worker (sw.js) covers web/demo/ but not ../../pkg/. Started
// from here, the worker and everything it fetches (the wasm runtime, the bundle) go through
// the service worker, so the demo works offline.
import '../../pkg/recommender-worker.js';
