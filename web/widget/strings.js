// Every text <gnn-recommender> shows, in English, and the reason templates it renders from
// each result's `because`. A site replaces any of them with the element's `strings` property
// (an object) or attribute (JSON); `{name}` placeholders are filled in when a text is shown.
// Messages that come from the runtime (load errors, why WebGPU is not used) stay in English
// and are shown through the templates that take a `{message}` or `{reason}`.

/**
 * Every text of the widget, by key. `{name}` placeholders are filled in when it is shown.
 * @typedef {object} Strings
 * @property {string} badgeLoading the backend badge while the recommender loads
 * @property {string} badgeFailed the backend badge when it could not load
 * @property {string} badgeWebgpu the backend badge when queries are encoded on WebGPU
 * @property {string} badgeCpu the backend badge when queries are encoded on the CPU
 * @property {string} badgeTitle the badge's tooltip while loading
 * @property {string} badgeTitleReady the badge's tooltip once loaded: {backend} (the badge text)
 * @property {string} badgeTitleFallback the badge's tooltip when WebGPU was asked for but is not
 *   used: {reason} (from the runtime)
 * @property {string} clearData the button that forgets the visitor's likes
 * @property {string} storeOffline the button that stores a sharded catalogue for offline use
 * @property {string} storeOfflineLabel the accessible name of that download's progress bar
 * @property {string} storeOfflineProgress that download's progress: {loaded} of {total} files
 * @property {string} storeOfflineDone that download, done: {files} files, {megabytes} MB
 * @property {string} storeOfflineFailed that download, failed: {message}
 * @property {string} removeOffline `offline`: the button that removes the offline copy
 * @property {string} offlineReady `offline`: the page and the catalogue now work offline
 * @property {string} offlineRemoved `offline`: the offline copy was removed
 * @property {string} loadingLabel the accessible name of the load progress bar
 * @property {string} waiting `loading="lazy"`: the status line until the widget is seen or focused
 * @property {string} loading the status line before the download starts
 * @property {string} downloading the status line while downloading: {loaded} of {total} MB
 * @property {string} starting the status line while the files are checked and the model starts
 * @property {string} ready the status line once loaded: {count} items
 * @property {string} readyFallback the same when WebGPU was asked for but is not used:
 *   {count}, {reason} (from the runtime)
 * @property {string} loadFailed the error shown when the bundle could not load: {message}
 * @property {string} bundleMissing the {message} of `loadFailed` without a `bundle` attribute
 * @property {string} searchFailed the error shown when a search failed: {message}
 * @property {string} updateFailed the error shown when recommending, liking or clearing the
 *   likes failed: {message}
 * @property {string} shardsLoading sharded bundles: {loaded} of {pending} parts fetched
 * @property {string} privateDownload privacy="strict": {loaded} of {total} parts of the whole catalogue fetched
 * @property {string} partialResults sharded bundles: some parts could not be had
 * @property {string} searchLabel the search box's label
 * @property {string} searchPlaceholder the search box's placeholder
 * @property {string} resultsHeading the heading of the search results
 * @property {string} recommendedHeading the heading of the recommendations
 * @property {string} recommendedEmpty shown instead of recommendations while there are none (a
 *   catalogue without interactions, before the visitor likes anything)
 * @property {string} relatedHeading the heading of the items like the `related-to` item
 * @property {string} like the like button's text
 * @property {string} likeLabel the like button's accessible name: {title}
 * @property {string} score the raw model score shown in `debug` mode: {score}
 * @property {string} reasonLiked the reason of a result close to a liked item: {title}
 * @property {string} reasonCluster the reason of a result popular in its group: {label}
 * @property {string} reasonText the reason of a search result that matches the query text
 * @property {string} reasonPopular the reason of a popular result (no likes yet)
 */

/**
 * The widget's English texts, by key; a copy is the starting point of a translation.
 * @type {Readonly<Strings>}
 */
export const DEFAULT_STRINGS = Object.freeze({
  badgeLoading: 'loading…',
  badgeFailed: 'not loaded',
  badgeWebgpu: 'WebGPU',
  badgeCpu: 'CPU',
  badgeTitle: 'Where the query encoder runs',
  badgeTitleReady: 'Query encoder on {backend}',
  badgeTitleFallback: '{reason}',
  clearData: 'Clear my data',
  storeOffline: 'Make the whole catalogue available offline',
  storeOfflineLabel: 'Storing the catalogue for offline use',
  storeOfflineProgress: 'Stored {loaded} of {total} catalogue files on this device…',
  storeOfflineDone: 'The whole catalogue is available offline ({files} files, {megabytes} MB downloaded).',
  storeOfflineFailed: 'Could not store the catalogue: {message}',
  removeOffline: 'Remove the offline copy',
  offlineReady: 'This page and its catalogue work offline on this device.',
  offlineRemoved: 'The offline copy is removed (your likes are kept).',
  loadingLabel: 'Loading the recommender',
  waiting: 'Loads when you reach it.',
  loading: 'Loading…',
  downloading: 'Downloading {loaded} of {total} MB…',
  starting: 'Checking the files and starting the model…',
  ready: 'Ready: {count} items',
  readyFallback: 'Ready: {count} items — {reason}',
  loadFailed: 'Could not load the recommender: {message}',
  bundleMissing: 'the bundle attribute is missing',
  searchFailed: 'Search failed: {message}',
  updateFailed: 'Could not update the recommendations: {message}',
  shardsLoading: 'Loading part of the catalogue ({loaded} of {pending})…',
  privateDownload: 'Fetching the whole catalogue, so that the site cannot tell what you look for ({loaded} of {total})…',
  partialResults: 'Part of the catalogue could not be loaded (offline or unavailable): these results come from the rest.',
  searchLabel: 'Search',
  searchPlaceholder: 'Describe what you are looking for',
  resultsHeading: 'Results',
  recommendedHeading: 'Recommended for you',
  recommendedEmpty: 'Like a few items to see recommendations here.',
  relatedHeading: 'More like this',
  like: 'Like',
  likeLabel: 'Like {title}',
  score: 'score {score}',
  reasonLiked: 'because you liked {title}',
  reasonCluster: 'popular with fans of {label}',
  reasonText: 'matches your search',
  reasonPopular: 'popular in this catalogue',
});

/**
 * `template` with each `{name}` replaced by `values[name]`; a placeholder without a value is
 * left as it is. The result is plain text (the widget never parses it as markup).
 * @param {string} template
 * @param {Record<string, string | number>} [values]
 * @returns {string}
 */
export function format(template, values = {}) {
  return template.replace(/\{(\w+)\}/g, (placeholder, name) =>
    (Object.hasOwn(values, name) ? String(values[name]) : placeholder));
}

/**
 * The texts in use for `overrides` (a partial `Strings`, for example parsed from the
 * `strings` attribute) merged over the defaults, and the keys that were left out: unknown
 * keys and values that are not strings.
 * @param {unknown} overrides
 * @returns {{strings: Readonly<Strings>, ignored: string[]}}
 */
export function resolveStrings(overrides) {
  if (overrides === null || overrides === undefined) return { strings: DEFAULT_STRINGS, ignored: [] };
  if (typeof overrides !== 'object' || Array.isArray(overrides)) {
    return { strings: DEFAULT_STRINGS, ignored: [String(overrides)] };
  }
  /** @type {Record<string, string>} */
  const strings = { ...DEFAULT_STRINGS };
  const ignored = [];
  for (const [key, value] of Object.entries(overrides)) {
    if (Object.hasOwn(DEFAULT_STRINGS, key) && typeof value === 'string') strings[key] = value;
    else ignored.push(key);
  }
  return { strings: /** @type {Readonly<Strings>} */ (Object.freeze(strings)), ignored };
}

/**
 * The reason shown under a result, from its structured `because` and the texts in use;
 * an empty string for a reason of a kind this version does not know.
 * @param {import('./worker-client.js').Why | undefined} because
 * @param {Readonly<Strings>} strings
 * @returns {string}
 */
export function reasonText(because, strings) {
  switch (because?.kind) {
    case 'liked': return format(strings.reasonLiked, { title: because.title });
    case 'cluster': return format(strings.reasonCluster, { label: because.label });
    case 'text': return strings.reasonText;
    case 'popular': return strings.reasonPopular;
    default: return '';
  }
}
