// Writes `FILE.br` (brotli, quality 11) and `FILE.gz` (gzip -9) beside each file given, so a
// static host can serve them with `Content-Encoding` (scripts/serve.mjs does; see the README's
// "Hosting" section). A variant that does not save at least 5 % is not written (and an old
// one is removed), so hosts never send a compressed file that is no smaller.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const ENCODERS = {
  br: (body) => brotliCompressSync(body, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
  }),
  gz: (body) => gzipSync(body, { level: 9 }),
};

/** The suffixes of the variants `precompress` writes. */
export const ENCODED = Object.keys(ENCODERS).map((suffix) => `.${suffix}`);

/** Precompresses `file`; returns `{ file, bytes, br?, gz? }` with the sizes written. */
export function precompress(file) {
  const body = readFileSync(file);
  const sizes = { file, bytes: body.length };
  for (const [suffix, encode] of Object.entries(ENCODERS)) {
    const packed = encode(body);
    const target = `${file}.${suffix}`;
    if (packed.length <= 0.95 * body.length) {
      writeFileSync(target, packed);
      sizes[suffix] = packed.length;
    } else if (existsSync(target)) {
      rmSync(target);
    }
  }
  return sizes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) console.log(JSON.stringify(precompress(file)));
}
