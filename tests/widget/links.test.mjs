// safeHref: which catalogue URLs the widget turns into links (node:test, no browser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeHref } from '../../web/widget/links.js';

const page = 'https://shop.example/catalogue/index.html';

test('http and https URLs become links, as the URL parser writes them', () => {
  assert.equal(safeHref('https://movies.example/1', page), 'https://movies.example/1');
  assert.equal(safeHref('http://movies.example/a b', page), 'http://movies.example/a%20b');
  assert.equal(safeHref('HTTPS://Movies.Example/X', page), 'https://movies.example/X');
  assert.equal(safeHref('  https://movies.example/1\n', page), 'https://movies.example/1');
});

test('relative URLs are resolved against the page', () => {
  assert.equal(safeHref('items/42.html', page), 'https://shop.example/catalogue/items/42.html');
  assert.equal(safeHref('/items/42', page), 'https://shop.example/items/42');
  assert.equal(safeHref('?id=42', page), 'https://shop.example/catalogue/index.html?id=42');
  assert.equal(safeHref('//cdn.example/x', page), 'https://cdn.example/x');
  assert.equal(safeHref('items/42', new URL(page)), 'https://shop.example/catalogue/items/42');
});

test('any other scheme never becomes a link, however it is spelled', () => {
  for (const url of [
    'javascript:alert(1)', 'JavaScript:alert(1)', '  javascript:alert(1)', '\tjavascript:alert(1)',
    '\u0000javascript:alert(1)', 'java\nscript:alert(1)', 'jav\tascript:alert(1)', 'JAVASCRIPT:alert(1)',
    'data:text/html,<script>alert(1)</script>', ' DATA:text/html;base64,PHNjcmlwdD4=',
    'vbscript:msgbox(1)', 'VBScript:msgbox(1)', 'file:///etc/passwd', 'ftp://files.example/x',
    'mailto:someone@example.org', 'blob:https://shop.example/1234', 'about:blank',
  ]) {
    assert.equal(safeHref(url, page), null, JSON.stringify(url));
  }
});

test('no URL, an empty one or one that does not parse is no link', () => {
  for (const url of [undefined, null, '', '   ', 42, {}, 'http://[::1', 'https://exa mple.org/']) {
    assert.equal(safeHref(url, page), null, JSON.stringify(url));
  }
  assert.equal(safeHref('items/42'), null, 'a relative URL without a base');
  assert.equal(safeHref('items/42', 'file:///home/site/index.html'), null, 'resolved to a file: URL');
});
