// Types of `gnnrec/widget`: the <gnn-recommender> custom element (recommender-element.js),
// written by hand; the client's and the texts' types are generated from their JSDoc.
import type { RecommenderClient } from './worker-client.js';
import type { Strings } from './strings.js';

export { DEFAULT_STRINGS } from './strings.js';
export type { Strings } from './strings.js';
export { safeHref } from './links.js';
export type { RankedItem, Why } from './worker-client.js';

/** Where the query encoder should run: see the `backend` attribute. */
export type Backend = 'auto' | 'measure' | 'webgpu' | 'cpu';

/** Which parts the widget shows. */
export type Layout = 'search' | 'recommendations' | 'related' | 'both';

/** The list a result was shown in. */
export type ResultSource = 'search' | 'recommendations' | 'related';

/** The element's HTML attributes (attribute values are strings). */
export interface RecommenderAttributes {
  /** URL of the bundle directory (required); changing it loads the new bundle. */
  bundle: string;
  /** `auto` (default): the CPU on a software WebGPU adapter, otherwise the faster of WebGPU and
   *  the CPU, timed at load; `measure`: that timing on any adapter; `webgpu`; `cpu`. */
  backend?: Backend;
  /** Results per list, a positive integer (default 10); changing it runs the lists again. */
  k?: `${number}`;
  /** Name of the IndexedDB database that keeps the visitor's likes (default `gnnrec-history`). */
  store?: string;
  /** URL of the worker module to start instead of the package's recommender-worker.js: a
   *  module in the site's service-worker scope that imports it (see `LoadOptions.workerUrl`). */
  worker?: string;
  /** Present: show the raw model scores on the cards. */
  debug?: '';
  /** Which parts to show (default `both`: search, recommendations and, with `related-to`,
   *  "More like this"; `related`: only "More like this"). */
  layout?: Layout;
  /** A catalogue id: show the items most like it ("More like this", for an item's own page). */
  'related-to'?: string;
  /** JSON object of texts merged over the English defaults (see `Strings`). */
  strings?: string;
  /** `lazy`: fetch nothing until the widget is within 200 px of the viewport or focused. */
  loading?: 'lazy' | 'eager';
  /** URL of the packaged service worker (gnnrec-sw.js) copied to a folder whose scope covers
   *  this page (empty: `gnnrec-sw.js` beside the page). Present: keep this page, the widget and
   *  the bundle offline after one visit; the site's other pages are never stored. */
  offline?: string;
  /** The offline copy's size budget in MB (default 250); past it nothing more is stored. */
  'offline-budget'?: `${number}`;
  /** Sharded bundles: `strict` fetches every shard in one fixed order whatever the visitor
   *  does; `balanced` hides a request's shards among decoys; `off` fetches only what each
   *  request needs; `auto` (default): strict up to 16 MiB of shards, balanced above. */
  privacy?: 'auto' | 'strict' | 'balanced' | 'off';
}

/** `detail` of `gnnrec-ready`: where the query encoder runs, and why not on WebGPU if asked. */
export interface ReadyDetail {
  backend: 'webgpu' | 'cpu' | 'none' | 'deferred';
  fallbackReason: string | null;
}

/** `detail` of `gnnrec-select`: the result whose link was activated. */
export interface SelectDetail {
  /** Catalogue id of the item. */
  id: string;
  /** The absolute http(s) URL the link points at. */
  url: string;
  /** The item's title. */
  title: string;
  /** The list it was in. */
  source: ResultSource;
}

/** `detail` of `gnnrec-like`: the item and its new state. */
export interface LikeDetail {
  /** Catalogue id of the item. */
  id: string;
  /** `true`: it is being liked; `false`: its like is being removed. */
  liked: boolean;
}

/** `detail` of `gnnrec-offline`: what the service worker stored on this visit. */
export interface OfflineDetail {
  files: number;
  bytes: number;
}

/** `detail` of `gnnrec-update`: the new version's size, and the stored likes it does not know. */
export interface UpdateDetail {
  itemCount: number;
  /** Likes of items the new version no longer has: kept on the device, ignored while absent. */
  droppedLikes: number;
}

/** The element's events. All bubble and are composed (they cross shadow roots). */
export interface RecommenderEventMap {
  /** The bundle is loaded and the first lists are shown. */
  'gnnrec-ready': CustomEvent<ReadyDetail>;
  /** The bundle could not be loaded; `detail` is the message. */
  'gnnrec-error': CustomEvent<string>;
  /** A plain click (or Enter) on a result's link. Cancelable: `preventDefault()` keeps the page
   *  where it is, for a site that routes the URL itself. Clicks with a modifier key are left
   *  to the browser and fire nothing. */
  'gnnrec-select': CustomEvent<SelectDetail>;
  /** A like button was pressed. Cancelable: `preventDefault()` leaves the like as it was. */
  'gnnrec-like': CustomEvent<LikeDetail>;
  /** With `offline`: this page, the widget and the bundle are kept for offline use. */
  'gnnrec-offline': CustomEvent<OfflineDetail>;
  /** The host has a new version of the bundle (seen when the page is back online): it was
   *  loaded beside the old one and the widget switched to it. */
  'gnnrec-update': CustomEvent<UpdateDetail>;
}

/**
 * `<gnn-recommender>`: semantic search and recommendations computed in the visitor's browser.
 * Importing `gnnrec/widget` defines it.
 */
export declare class RecommenderElement extends HTMLElement {
  static readonly observedAttributes: string[];
  /** The main-thread API of the loaded recommender (`null` while loading or after an error). */
  readonly recommender: RecommenderClient | null;
  /** The texts in use. Setting a partial object of texts merges it over the English
   *  defaults, replacing earlier overrides (as the `strings` attribute does). */
  get strings(): Readonly<Strings>;
  set strings(overrides: Partial<Strings> | null);
  /** Reflects the `bundle` attribute. */
  bundle: string;
  /** Reflects the `backend` attribute (`auto` when absent). */
  backend: Backend;
  /** Reflects the `store` attribute (`gnnrec-history` when absent). */
  store: string;
  /** Reflects the `worker` attribute (`''` when absent: the package's worker). */
  worker: string;
  /** Reflects the `k` attribute (10 when absent or not a positive integer). */
  k: number;
  /** Reflects the `layout` attribute (`both` when absent or unknown). */
  layout: Layout;
  /** Reflects the `related-to` attribute (`''` when absent; setting `''` removes it). */
  relatedTo: string;
  /** Reflects the `debug` attribute. */
  debug: boolean;
  /** Removes the offline copy (pages, widget, bundle, shards) and unregisters the service
   *  worker the `offline` attribute names; the visitor's likes are kept. */
  removeOfflineCopy(): Promise<void>;
}

declare global {
  interface HTMLElementTagNameMap {
    'gnn-recommender': RecommenderElement;
  }
  interface HTMLElementEventMap extends RecommenderEventMap {}
}
