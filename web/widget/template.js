// The shadow DOM of <gnn-recommender>: its style (colours from CSS custom properties, light
// and dark defaults), its markup (every visible piece has a `part` name, and no text: texts
// come from the strings in use) and which texts fill the fixed pieces.

// Colours come from the private --_* properties, which take the public --gnnrec-* ones first,
// then the light or the dark defaults.
export const STYLE = `
  :host {
    --_text: var(--gnnrec-text, #1d1d1f); --_muted: var(--gnnrec-muted, #555);
    --_accent: var(--gnnrec-accent, #0b57d0); --_on-accent: var(--gnnrec-on-accent, #fff);
    --_background: var(--gnnrec-background, transparent); --_card: var(--gnnrec-card-background, #f4f4f6);
    --_error: var(--gnnrec-error, #b3261e);
    color-scheme: light;
    display: block; font: var(--gnnrec-font, 16px/1.5 system-ui, sans-serif);
    color: var(--_text); background: var(--_background);
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_text: var(--gnnrec-text, #e8e8ea); --_muted: var(--gnnrec-muted, #b4b4bc);
      --_accent: var(--gnnrec-accent, #a8c7fa); --_on-accent: var(--gnnrec-on-accent, #062e6f);
      --_background: var(--gnnrec-background, #1d1d1f); --_card: var(--gnnrec-card-background, #2c2c30);
      --_error: var(--gnnrec-error, #f2b8b5);
      color-scheme: dark;
    }
  }
  :host([hidden]), [hidden] { display: none; }
  header { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
  .badge { border: 1px solid var(--_muted); border-radius: 999px; padding: 0 .6rem; font-size: .8em; }
  progress { width: 100%; accent-color: var(--_accent); }
  input { font: inherit; width: 100%; box-sizing: border-box; padding: .4rem .6rem; }
  ol { list-style: none; padding: 0; display: grid; gap: .5rem; }
  li { background: var(--_card); border-radius: var(--gnnrec-radius, 8px); padding: .5rem .75rem; }
  .title { font-weight: 600; }
  a { color: var(--_accent); }
  .subtitle, .why, .score { color: var(--_muted); font-size: .875em; }
  button { font: inherit; cursor: pointer; }
  button.like[aria-pressed="true"] { background: var(--_accent); color: var(--_on-accent); }
  button.like[aria-pressed="true"]::before { content: "✓ "; }
  [role="alert"] { color: var(--_error); }
`;

// No text here: every text is set from the strings in use (#say).
export const TEMPLATE = `
  <header part="header">
    <span class="badge" id="backend" part="badge"></span>
    <button type="button" id="clear" part="clear-button"></button>
    <button type="button" id="offline" part="offline-button" hidden></button>
    <button type="button" id="remove-offline" part="remove-offline-button" hidden></button>
  </header>
  <p id="offline-note" class="why" part="offline-note" role="status" hidden></p>
  <div id="offline-progress" hidden>
    <progress id="offline-bar" part="offline-progress" max="1" value="0"></progress>
    <p id="offline-status" part="offline-status" role="status" aria-live="polite"></p>
  </div>
  <div id="loading">
    <progress id="progress" part="progress" max="1" value="0"></progress>
    <p id="status" part="status" role="status" aria-live="polite"></p>
  </div>
  <p id="error" part="error" role="alert" hidden></p>
  <p id="shards" class="why" part="notice" role="status" aria-live="polite" hidden></p>
  <p id="notice" class="why" part="notice" role="status" hidden></p>
  <section id="search" part="search">
    <label for="query" id="query-label" part="search-label"></label>
    <input id="query" part="search-input" type="search" autocomplete="off" disabled>
    <h2 id="results-heading" part="results-heading"></h2>
    <ol id="results" part="results" aria-labelledby="results-heading" aria-live="polite"></ol>
  </section>
  <section id="recommendations" part="recommendations">
    <h2 id="recommended-heading" part="recommended-heading"></h2>
    <p id="recommended-empty" class="why" part="recommended-empty" hidden></p>
    <ol id="recommended" part="recommended" aria-labelledby="recommended-heading" aria-live="polite"></ol>
  </section>
  <section id="more" part="related-section" hidden>
    <h2 id="related-heading" part="related-heading"></h2>
    <ol id="related" part="related" aria-labelledby="related-heading" aria-live="polite"></ol>
  </section>
`;

/** The texts that do not change with the state: [element id, where, strings key]. */
export const FIXED_TEXTS = [
  ['clear', 'text', 'clearData'], ['offline', 'text', 'storeOffline'], ['remove-offline', 'text', 'removeOffline'],
  ['offline-bar', 'aria-label', 'storeOfflineLabel'], ['progress', 'aria-label', 'loadingLabel'],
  ['query-label', 'text', 'searchLabel'], ['query', 'placeholder', 'searchPlaceholder'],
  ['results-heading', 'text', 'resultsHeading'], ['recommended-heading', 'text', 'recommendedHeading'],
  ['recommended-empty', 'text', 'recommendedEmpty'], ['related-heading', 'text', 'relatedHeading'],
];
