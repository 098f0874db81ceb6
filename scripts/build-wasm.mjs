#!/usr/bin/env node
// Builds the browser package into pkg/ with the settings of wasm-pack.toml:
// cargo (wasm32: the runtime crate and the WebGPU crate) → wasm-bindgen → wasm-opt (npm
// binaryen), for each → JS modules → their .d.ts (tsc from the JSDoc types) → package.json.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync, writeFileSync, statSync, mkdirSync } from 'node:fs';
import { precompress } from './precompress.mjs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const settings = parse(readFileSync(join(root, 'wasm-pack.toml'), 'utf8'));
const { crate, 'npm-name': npmName, 'out-dir': outDir, target, 'js-modules': jsModules } = settings.package;
const profile = settings.profile.release;
/** The `[package]` table of the crate in `dir`. */
const cargoPackage = (dir) => parse(readFileSync(join(root, dir, 'Cargo.toml'), 'utf8')).package;
const runtimePackage = cargoPackage(crate);
const webgpuPackage = cargoPackage(settings.webgpu.crate);
const workspace = parse(readFileSync(join(root, 'Cargo.toml'), 'utf8'));
const libName = runtimePackage.name.replaceAll('-', '_');
const webgpuLib = webgpuPackage.name.replaceAll('-', '_');
const version = workspace.workspace.package.version;

function run(cmd, args, env = {}) {
  console.error(`$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
}

const rustflags = profile.rustflags.join(' ');
run('cargo', ['build', '--target', 'wasm32-unknown-unknown', '--profile', profile['cargo-profile'],
  '-p', runtimePackage.name, '-p', webgpuPackage.name], { CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS: rustflags });

const out = join(root, outDir);
const mtime = (file) => (existsSync(file) ? statSync(file).mtimeMs : 0);
mkdirSync(out, { recursive: true });
/** Runs a command without blocking (its output is printed when it ends). */
async function runAsync(cmd, args) {
  console.error(`$ ${cmd} ${args.join(' ')}`);
  const { stdout, stderr } = await promisify(execFile)(cmd, args, { cwd: root, maxBuffer: 1 << 26 });
  process.stderr.write(stdout + stderr);
}

/** wasm-bindgen, then wasm-opt, for the crate whose library is `lib` (skipped when up to date). */
async function bindgen(lib) {
  const wasm = join(root, 'target/wasm32-unknown-unknown', profile['cargo-profile'], `${lib}.wasm`);
  const bindgenWasm = join(out, `${lib}_bg.wasm`);
  if (mtime(bindgenWasm) > Math.max(mtime(wasm), mtime(join(root, 'wasm-pack.toml')), mtime(import.meta.filename))) {
    console.error(`${outDir}/ bindings are up to date with ${wasm}`);
    return;
  }
  await runAsync('wasm-bindgen', ['--target', target, '--out-dir', out, '--out-name', lib, '--typescript', wasm]);
  if (profile['wasm-opt'].length > 0) {
    const wasmOpt = join(root, 'node_modules/.bin/wasm-opt');
    if (!existsSync(wasmOpt)) throw new Error(`${wasmOpt} is missing: run npm ci`);
    await runAsync(wasmOpt, [...profile['wasm-opt'], bindgenWasm, '-o', bindgenWasm]);
  }
}
// The two modules in parallel: wasm-opt is single-threaded, and the WebGPU module's takes minutes.
await Promise.all([bindgen(libName), bindgen(webgpuLib)]);

const bindings = `../${outDir}/${libName}.js`;
for (const module of jsModules) {
  const source = readFileSync(join(root, module), 'utf8');
  writeFileSync(join(out, basename(module)), source.replaceAll(bindings, `./${libName}.js`));
}

const entry = basename(jsModules[0]);
const typings = `${entry.replace(/\.js$/, '')}.d.ts`;
const tsc = join(root, 'node_modules/.bin/tsc');
if (!existsSync(tsc)) throw new Error(`${tsc} is missing: run npm ci`);
run(tsc, ['--allowJs', '--declaration', '--emitDeclarationOnly', '--skipLibCheck', '--target', 'es2022',
  '--module', 'es2022', '--moduleResolution', 'bundler', '--lib', 'es2022,dom', '--outDir', out, join(out, entry)]);

const pkg = {
  name: npmName,
  version,
  description: runtimePackage.description,
  license: workspace.workspace.package.license,
  type: 'module',
  main: entry,
  types: typings,
  exports: {
    '.': { types: `./${typings}`, default: `./${entry}` },
    './widget': './recommender-element.js',
    './wasm': { types: `./${libName}.d.ts`, default: `./${libName}.js` },
  },
  files: [`${libName}.js`, `${libName}.d.ts`, `${libName}_bg.wasm`, `${libName}_bg.wasm.d.ts`, 'snippets/',
    `${webgpuLib}.js`, `${webgpuLib}.d.ts`, `${webgpuLib}_bg.wasm`, `${webgpuLib}_bg.wasm.d.ts`,
    ...jsModules.map((m) => basename(m)), typings, 'README.md', '*.br', '*.gz'],
  sideEffects: ['./recommender-element.js'],
};
writeFileSync(join(out, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');

// Brotli and gzip variants for hosts that serve precompressed files (scripts/serve.mjs does).
for (const name of pkg.files.filter((f) => /\.(wasm|js)$/.test(f))) {
  const sizes = precompress(join(out, name));
  if (sizes.br) console.error(`${outDir}/${name}: ${sizes.bytes} bytes, ${sizes.br} brotli, ${sizes.gz} gzip`);
}
