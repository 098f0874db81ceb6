// The page's side of the opt-in offline copy (gnnrec-sw.js): registers the service worker a
// site owner placed, and tells it what to keep — this page, the files it loaded, the widget's
// folder and the bundle's folder — or to drop everything.

/** The widget's own folder (where this module was loaded from). */
export const RUNTIME_FOLDER = new URL('./', import.meta.url).href;

/** Whether this browser can keep an offline copy here (a secure context with service workers). */
export const offlineSupported = () => 'serviceWorker' in navigator && globalThis.isSecureContext === true;

/** The registration's worker once it is activated. */
async function activeWorker(registration) {
  const worker = registration.active ?? registration.waiting ?? registration.installing;
  if (!worker) throw new Error('the service worker did not start');
  if (worker.state === 'activated') return worker;
  await new Promise((ok, fail) => worker.addEventListener('statechange', () => {
    if (worker.state === 'activated') ok();
    else if (worker.state === 'redundant') fail(new Error('the service worker was replaced while it started'));
  }));
  return worker;
}

/** Sends `message` to `worker` and resolves to its reply (rejects on `{error}`). */
function ask(worker, message) {
  return new Promise((ok, fail) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = ({ data }) => (data.error ? fail(new Error(data.error)) : ok(data));
    worker.postMessage(message, [channel.port2]);
  });
}

/**
 * Registers the service worker at `swUrl` and has it keep this page, the same-origin files the
 * page loaded, the widget's worker script (`workerScript`) and what it loaded (`workerUrls`),
 * the widget's folder and `bundleUrl`'s, within `budgetBytes`. Resolves to `{files, bytes}`
 * stored by this call.
 * @param {{swUrl: string, bundleUrl: string, workerScript: string, workerUrls: string[], budgetBytes: number}} options
 */
export async function keepOffline({ swUrl, bundleUrl, workerScript, workerUrls, budgetBytes }) {
  if (!offlineSupported()) throw new Error('this page is not a secure context (HTTPS or localhost) or has no service workers');
  const registration = await navigator.serviceWorker.register(new URL(swUrl, location.href));
  const worker = await activeWorker(registration);
  const bundle = new URL(bundleUrl, location.href);
  if (!bundle.pathname.endsWith('/')) bundle.pathname += '/';
  const urls = [...performance.getEntriesByType('resource').map((entry) => entry.name),
    new URL(workerScript, location.href).href, ...workerUrls];
  return ask(worker, {
    type: 'gnnrec-offline', page: location.href, prefixes: [RUNTIME_FOLDER, bundle.href], urls, budgetBytes,
  });
}

/** Drops the offline copy (the service worker's cache and the stored shards) and unregisters
 *  the service worker at `swUrl`. The visitor's likes are kept. */
export async function removeOfflineCopy(swUrl) {
  if (!offlineSupported()) return;
  const script = new URL(swUrl, location.href).href;
  const registration = (await navigator.serviceWorker.getRegistrations())
    .find((r) => [r.active, r.waiting, r.installing].some((w) => w?.scriptURL === script));
  const worker = registration?.active;
  if (worker) await ask(worker, { type: 'gnnrec-remove' });
  await registration?.unregister();
}
