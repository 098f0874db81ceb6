// Precompressed serving: scripts/serve.mjs sends `FILE.br` / `FILE.gz` (written by
// scripts/precompress.mjs, which the wasm build runs on the package) with Content-Encoding
// when the client accepts that encoding, and Chromium runs the encoder from the brotli wasm;
// content-hashed shard files are sent as immutable; no COOP/COEP, as on a plain static host.
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openEncoderPage, root, serveRoot } from './harness.mjs';
import { serve } from '../../scripts/serve.mjs';
import { precompress } from '../../scripts/precompress.mjs';

/** GET `url` with the given Accept-Encoding; resolves to `{ headers, body }` (body as sent). */
const fetchRaw = (url, acceptEncoding, extraHeaders = {}) => new Promise((ok, fail) => {
  const headers = { ...(acceptEncoding === null ? {} : { 'accept-encoding': acceptEncoding }), ...extraHeaders };
  get(url, { headers }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
  }).on('error', fail);
});

const DECODE = { br: brotliDecompressSync, gzip: gunzipSync };

describe('precompressed files', () => {
  let dir, server;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gnnrec-serve-'));
    writeFileSync(join(dir, 'module.wasm'), Buffer.from('gnnrec '.repeat(20000)));
    writeFileSync(join(dir, 'noise.bin'), randomBytes(50000));
    mkdirSync(join(dir, 'shards'));
    writeFileSync(join(dir, 'shards/g-0123456789abcdef.st.gz'), randomBytes(100));
    server = await serve({ root: dir });
  });
  after(() => server.close());

  test('content-hashed shard files are cached for good, everything else is revalidated', async () => {
    const shard = await fetchRaw(`${server.url}/shards/g-0123456789abcdef.st.gz`, null);
    assert.equal(shard.headers['cache-control'], 'public, max-age=31536000, immutable');
    const other = await fetchRaw(`${server.url}/noise.bin`, null);
    assert.equal(other.headers['cache-control'], 'no-cache');
  });

  test('a file sent with an ETag is revalidated with 304 and no body; each encoding has its own tag', async () => {
    precompress(join(dir, 'module.wasm'));
    const first = await fetchRaw(`${server.url}/module.wasm`, 'br');
    assert.equal(first.status, 200);
    assert.match(first.headers.etag, /^"[0-9a-f]+-[0-9a-f]+-br"$/);
    const again = await fetchRaw(`${server.url}/module.wasm`, 'br', { 'if-none-match': first.headers.etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers['cache-control'], 'no-cache');
    const plain = await fetchRaw(`${server.url}/module.wasm`, 'identity', { 'if-none-match': first.headers.etag });
    assert.equal(plain.status, 200, 'the brotli tag does not validate the uncompressed file');
    assert.notEqual(plain.headers.etag, first.headers.etag);
  });

  test('brotli first, then gzip, then the file itself, always the same bytes', async () => {
    const sizes = precompress(join(dir, 'module.wasm'));
    assert.ok(sizes.br < sizes.gz && sizes.gz < sizes.bytes / 10, JSON.stringify(sizes));
    const original = readFileSync(join(dir, 'module.wasm'));
    for (const [accept, expected] of [['gzip, deflate, br, zstd', 'br'], ['gzip;q=1.0, identity', 'gzip'], ['identity', undefined], [null, undefined]]) {
      const { headers, body } = await fetchRaw(`${server.url}/module.wasm`, accept);
      assert.equal(headers['content-encoding'], expected, `Accept-Encoding: ${accept}`);
      assert.equal(headers['content-type'], 'application/wasm');
      assert.equal(headers.vary, 'accept-encoding');
      // What a plain static host sends: no cross-origin isolation headers (nothing needs them).
      assert.equal(headers['cross-origin-embedder-policy'], undefined);
      assert.equal(headers['cross-origin-opener-policy'], undefined);
      assert.equal(Number(headers['content-length']), body.length);
      assert.deepEqual(expected ? DECODE[expected](body) : body, original, `Accept-Encoding: ${accept}`);
    }
  });

  test('a file compression would not shrink by 5 % gets no variant', async () => {
    const sizes = precompress(join(dir, 'noise.bin'));
    assert.equal(sizes.br, undefined);
    assert.ok(!existsSync(join(dir, 'noise.bin.br')) && !existsSync(join(dir, 'noise.bin.gz')));
    const { headers } = await fetchRaw(`${server.url}/noise.bin`, 'br, gzip');
    assert.equal(headers['content-encoding'], undefined);
  });
});

describe('the wasm package in Chromium', () => {
  let server, browser;
  before(async () => { server = await serveRoot(); browser = await launch(); });
  after(async () => { await browser.close(); server.close(); });

  test('arrives brotli-compressed and runs', async () => {
    const wasm = join(root, 'pkg/gnnrec_wasm_bg.wasm');
    assert.ok(existsSync(`${wasm}.br`), 'the wasm build writes pkg/gnnrec_wasm_bg.wasm.br');
    const context = await browser.newContext();
    const responses = [];
    context.on('response', (r) => { if (r.url().endsWith('/gnnrec_wasm_bg.wasm')) responses.push(r); });
    const { state } = await openEncoderPage(context, server.url, { backend: 'cpu' });
    assert.equal(state.backend, 'cpu', JSON.stringify(state));
    assert.equal(responses.length, 1);
    const headers = await responses[0].allHeaders();
    assert.equal(headers['content-encoding'], 'br');
    const sent = Number(headers['content-length']);
    assert.ok(sent < statSync(wasm).size / 3, `${sent} bytes sent for a ${statSync(wasm).size}-byte module`);
    await context.close();
  });
});
