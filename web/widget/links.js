// Which catalogue URLs <gnn-recommender> turns into links. A result's `url` comes from the
// bundle, that is from whoever wrote the catalogue: only web addresses may become an `href`,
// so that a `javascript:`, `data:` or `vbscript:` URL (however it is spelled) can never run
// or open anything when a visitor clicks a title.

/**
 * The address a result's `url` links to: `url` resolved against `base` (the page's address,
 * for relative URLs), when it is an `http:` or `https:` URL; otherwise `null`, and the title
 * stays plain text. The scheme is read by the URL parser, as the browser reads it, so leading
 * whitespace, control characters and mixed case change nothing.
 * @param {unknown} url the result's `url` (absent when the catalogue has none)
 * @param {string | URL} [base] the address relative URLs are resolved against
 * @returns {string | null} the absolute URL to use as the link's `href`, or `null`
 */
export function safeHref(url, base) {
  if (typeof url !== 'string' || url.trim() === '') return null;
  let parsed;
  try {
    parsed = new URL(url, base);
  } catch {
    return null;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
}
