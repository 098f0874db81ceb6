#!/usr/bin/env node
// Static file server for the demo, the browser tests and the benchmarks.
// Serves a directory (default: the repository root) on 127.0.0.1 with the
// right MIME types and nothing else a plain static host would not send: no COOP/COEP
// (nothing in gnnrec needs cross-origin isolation: the wasm runs single-threaded, without
// SharedArrayBuffer). Only GET/HEAD; paths cannot escape the root. Where a precompressed
// sibling exists (`FILE.br`, `FILE.gz`, written by scripts/precompress.mjs) and the
// client accepts its encoding, that is sent with `Content-Encoding`, as a static
// host configured per the README's "Hosting" section would. With `stale` seconds it behaves like
// a CDN edge cache that ignores revalidation (as GitHub Pages' 10-minute cache does): the first
// bytes sent for a path are sent again for that long, whatever is on disk now.
import { createServer } from 'node:http';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Paths of content-addressed bundle files (every file but the manifest): cached for good. */
const IMMUTABLE = /[/.-][0-9a-f]{16}\.[a-z0-9.]+$/;

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8', '.md': 'text/markdown; charset=utf-8',
};

/** Encodings a precompressed sibling may have, in order of preference. */
const ENCODINGS = [['br', '.br'], ['gzip', '.gz']];

/** The encoding and file to send for `file`, given the request's Accept-Encoding. */
export function negotiate(file, acceptEncoding = '') {
  const accepted = new Set(acceptEncoding.split(',').map((e) => e.split(';')[0].trim().toLowerCase()));
  for (const [encoding, suffix] of ENCODINGS) {
    if (!accepted.has(encoding)) continue;
    try {
      if (statSync(file + suffix).isFile()) return { encoding, path: file + suffix };
    } catch { /* no such variant */ }
  }
  return { encoding: null, path: file };
}

/** Starts serving `root` on `port` (0 picks a free one); resolves to `{ url, close, expire }`.
 *  With `stale` (seconds), a path's first 200 response is replayed for that long (see above);
 *  `expire()` empties that cache at once. */
export function serve({ root, port = 0, host = '127.0.0.1', stale = 0 }) {
  const base = resolve(root);
  /** path → {at, status headers, body}: the stale cache. */
  const edge = new Map();
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    const cached = edge.get(path);
    if (stale && cached && Date.now() - cached.at < stale * 1000) {
      res.writeHead(200, cached.headers).end(req.method === 'HEAD' ? undefined : cached.body);
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const { encoding, path: sent } = negotiate(file, req.headers['accept-encoding']);
      const { size, mtimeMs } = statSync(sent);
      // A validator, as static hosts send: a `no-cache` file is revalidated (304), not re-sent.
      const etag = `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}${encoding ? `-${encoding}` : ''}"`;
      const common = {
        etag,
        vary: 'accept-encoding',
        // Bundle files but the manifest are named by their content hash.
        'cache-control': IMMUTABLE.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
      };
      if (req.headers['if-none-match'] === etag && !stale) {
        res.writeHead(304, common).end();
        return;
      }
      const headers = {
        'content-type': MIME[extname(file)] ?? 'application/octet-stream',
        'content-length': size,
        ...(encoding ? { 'content-encoding': encoding } : {}),
        ...common,
      };
      if (stale) {
        const body = readFileSync(sent);
        edge.set(path, { at: Date.now(), headers, body });
        res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      res.writeHead(200, headers);
      if (req.method === 'HEAD') res.end();
      else createReadStream(sent).pipe(res);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`);
    }
  });
  return new Promise((ok) => server.listen(port, host, () => ok({
    url: `http://${host}:${server.address().port}`,
    close: () => new Promise((done) => server.close(done)),
    expire: () => edge.clear(),
  })));
}

// node scripts/serve.mjs [--root=DIR] [--port=8080] [--stale=SECONDS] [--open=PATH] [--check=PATH,PATH]: prints the
// URL of PATH (by default, with the repository as the root, the demo page web/demo/index.html).
// With --check, fetches each PATH once (on a free port), prints its status and size, and exits:
// 0 when every one answered 200, 1 otherwise.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  const root = args.root ?? join(dirname(fileURLToPath(import.meta.url)), '..');
  const checks = args.check ? args.check.split(',') : null;
  const server = await serve({ root, port: checks ? 0 : Number(args.port ?? 8080), stale: Number(args.stale ?? 0) });
  console.log(`serving ${resolve(root)} at ${server.url}/${args.open ?? (args.root ? '' : 'web/demo/index.html')}`);
  if (checks) {
    let failed = 0;
    for (const path of checks) {
      const response = await fetch(`${server.url}/${path}`);
      const bytes = (await response.arrayBuffer()).byteLength;
      console.log(`${response.status} ${path} (${bytes} bytes)`);
      if (response.status !== 200) failed += 1;
    }
    await server.close();
    process.exit(failed ? 1 : 0);
  }
}
