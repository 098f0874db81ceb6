// Loads a gnnrec bundle into the wasm runtime (runs in the worker): fetches manifest.json,
// then every file it requires at start (in parallel, with byte progress), and hands them to
// the runtime, which checks sizes and SHA-256 against the manifest before using anything.
// A v1 bundle is loaded whole (`Recommender`); a sharded v2 bundle loads its core
// (`ShardedRecommender`) and fetches shards on demand (`ShardedBundle`).
import init, { Recommender, ShardedRecommender } from './gnnrec_wasm.js';
import { ShardedBundle } from './sharded-bundle.js';

let wasmReady;

/** Current size of the wasm linear memory (it only grows, so this is the peak so far). */
export async function wasmMemoryBytes() {
  return (await wasmReady)?.memory.buffer.byteLength ?? 0;
}

/** `url` as errors name it: its path when it is on this site (no host or port). */
const shown = (url) => (url.origin === location.origin ? url.pathname : url.href);

/** Fetches `url` (a URL) as bytes, calling `onBytes(n)` as chunks arrive; HTTP errors name the
 *  URL. `init` is passed to `fetch`. */
export async function fetchBytes(url, onBytes = () => {}, init = undefined) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new Error(`${shown(url)}: ${error.message}`);
  }
  if (!response.ok) throw new Error(`${shown(url)}: HTTP ${response.status}`);
  const reader = response.body.getReader();
  const chunks = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
    onBytes(value.length);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) { bytes.set(chunk, offset); offset += chunk.length; }
  return bytes;
}

/** The manifest of the bundle at `base` (a directory URL), revalidated with the host (a cached
 *  copy is used only if the host says it is current), so that a new version is seen at once. */
export const fetchManifest = (base) => fetchBytes(new URL('manifest.json', base), undefined, { cache: 'no-cache' });

/**
 * Loads the bundle at `bundleUrl` (a directory URL).
 * `backend`: 'auto' | 'measure' | 'webgpu' | 'cpu'. `onProgress({stage, loaded, total})` is called
 * with stage 'download' (bytes so far / total bytes) and then 'start' (checking and
 * building the model). `onManifest(bytes)` receives the manifest the bundle was loaded from.
 * `encoder`: 'eager' fetches the query encoder's files (`encoder/…`, about 18 MB) with the
 * rest; 'on-demand' leaves them until the first search (a page that only recommends never
 * fetches them). `privacy` (sharded bundles): 'auto' | 'strict' | 'balanced' | 'off'; strict
 * starts the background download of every shard.
 */
export async function loadWasmRecommender(bundleUrl, {
  backend = 'auto', encoder = 'eager', privacy = 'auto', onProgress = () => {}, onManifest = () => {},
} = {}) {
  // The wasm compiles while the manifest and the files it lists download: the runtime's
  // `requiredFiles` (which needs the wasm) then picks among the downloads; a file it asks for
  // that the manifest does not list is fetched after.
  wasmReady ??= init();
  const base = new URL(bundleUrl.endsWith('/') ? bundleUrl : `${bundleUrl}/`, location.href);
  const manifest = await fetchManifest(base);
  onManifest(manifest);
  const parsed = JSON.parse(new TextDecoder().decode(manifest));
  const entries = (parsed.version === 2 ? parsed.core : parsed.files) ?? {};
  // A listed file is stored under a content-addressed name (`stored_as`), so a new version of
  // the bundle never replaces a file this one uses; older bundles store it under its name.
  const url = (name) => new URL(entries[name]?.stored_as ?? name, base);
  const later = (name) => encoder === 'on-demand' && name.startsWith('encoder/');
  const now = Object.keys(entries).filter((name) => !later(name));
  const total = now.reduce((sum, name) => sum + (entries[name]?.bytes ?? 0), 0);
  let loaded = 0;
  onProgress({ stage: 'download', loaded, total });
  const downloads = new Map(now.map((name) => {
    const download = fetchBytes(url(name), (n) => {
      loaded += n;
      onProgress({ stage: 'download', loaded, total });
    });
    download.catch(() => {}); // reported when awaited below, if the runtime needs the file
    return [name, download];
  }));
  await wasmReady;
  const runtime = parsed.version === 2 ? ShardedRecommender : Recommender;
  const names = runtime.requiredFiles(manifest).filter((name) => !later(name));
  const contents = await Promise.all(names.map((name) => downloads.get(name) ?? fetchBytes(url(name))));
  onProgress({ stage: 'start', loaded, total });
  const fetchEncoder = encoder === 'on-demand'
    ? (asked) => Promise.all(asked.map((name) => fetchBytes(url(name)))) : undefined;
  const loadedRuntime = await runtime.load(manifest, names, contents, backend, fetchEncoder);
  if (parsed.version !== 2) return loadedRuntime;
  // The decoys' seed comes from the browser's CSPRNG: the host cannot predict them.
  const mode = loadedRuntime.setPrivacy(privacy, crypto.getRandomValues(new Uint8Array(32)));
  const bundle = new ShardedBundle(loadedRuntime, base, (url) => fetchBytes(url), onProgress, mode);
  if (mode === 'strict') {
    bundle.fetchEverything().catch((error) => console.warn(`gnnrec: the background download stopped: ${error.message}`));
  }
  return bundle;
}
