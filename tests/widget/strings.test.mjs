// The widget's texts (node:test, no browser): placeholders, overrides merged over the English
// defaults, and the reasons rendered from each result's structured `because`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_STRINGS, format, reasonText, resolveStrings } from '../../web/widget/strings.js';

test('format fills the placeholders it has values for, as text', () => {
  assert.equal(format('Ready: {count} items — {reason}', { count: 9125, reason: 'no GPU' }), 'Ready: 9125 items — no GPU');
  assert.equal(format('{a}{a} {b}', { a: '<b>' }), '<b><b> {b}');
  assert.equal(format('{title}', { title: '$& {count}' }), '$& {count}', 'values are not templates');
  assert.equal(format('{toString}', {}), '{toString}', 'only own values');
});

test('overrides are merged over the defaults; unknown keys and non-strings are reported', () => {
  const { strings, ignored } = resolveStrings({ like: "J'aime", reasonText: '', nope: 'x', ready: 3 });
  assert.equal(strings.like, "J'aime");
  assert.equal(strings.reasonText, '', 'an empty text is a text');
  assert.equal(strings.ready, DEFAULT_STRINGS.ready);
  assert.equal(strings.clearData, 'Clear my data');
  assert.deepEqual(ignored, ['nope', 'ready']);
  assert.ok(Object.isFrozen(strings) && Object.isFrozen(DEFAULT_STRINGS));
  assert.equal(resolveStrings(null).strings, DEFAULT_STRINGS);
  assert.deepEqual(resolveStrings(['like']).ignored, ['like']);
  assert.deepEqual(resolveStrings('like').ignored, ['like']);
});

test('every default is a string and every placeholder of a reason is filled', () => {
  assert.ok(Object.values(DEFAULT_STRINGS).every((s) => typeof s === 'string' && s.length > 0));
  assert.equal(reasonText({ kind: 'liked', id: '1', title: 'Toy Story (1995)' }, DEFAULT_STRINGS), 'because you liked Toy Story (1995)');
  assert.equal(reasonText({ kind: 'cluster', label: 'Animation' }, DEFAULT_STRINGS), 'popular with fans of Animation');
  assert.equal(reasonText({ kind: 'text' }, DEFAULT_STRINGS), 'matches your search');
  assert.equal(reasonText({ kind: 'popular' }, DEFAULT_STRINGS), 'popular in this catalogue');
});

test('reasons follow the texts in use; an unknown kind shows nothing', () => {
  const { strings } = resolveStrings({ reasonLiked: 'parce que vous avez aimé {title}', reasonPopular: 'populaire' });
  assert.equal(reasonText({ kind: 'liked', id: '1', title: 'Amélie' }, strings), 'parce que vous avez aimé Amélie');
  assert.equal(reasonText({ kind: 'popular' }, strings), 'populaire');
  assert.equal(reasonText({ kind: 'trending' }, strings), '');
  assert.equal(reasonText(undefined, strings), '');
});
