#!/usr/bin/env node
// Builds the browser package into pkg/ with the settings of wasm-pack.toml:
// cargo (wasm32: the runtime crate and the WebGPU crate) → wasm-bindgen → wasm-opt (npm
// binaryen), for each → JS modules (web/widget/, copied verbatim) → their .d.ts (tsc from the
// JSDoc types, plus the hand-written ones) → package.json → brotli and gzip variants.
// `--js-only`: the wasm modules and their bindings in pkg/ are up to date; only the JS
// modules, types, package.json and variants are (re)written (no cargo, no wasm-bindgen).
// `--cpu-only`: without the WebGPU module (the demo's build: a third of the time); `auto`
// then encodes on the CPU and says why. `--cargo-only`: the cargo build alone (so that it can
// run while wasm-bindgen-cli is being installed; scripts/setup.sh).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { ENCODED, precompress } from './precompress.mjs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const settings = parse(readFileSync(join(root, 'wasm-pack.toml'), 'utf8'));
const {
  crate, 'npm-name': npmName, 'out-dir': outDir, target,
  'js-modules': jsModules, 'js-declarations': jsDeclarations, 'js-types': jsTypes,
} = settings.package;
const jsOnly = process.argv.includes('--js-only');
const cpuOnly = process.argv.includes('--cpu-only');
const cargoOnly = process.argv.includes('--cargo-only');
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
  const wasm = join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'wasm32-unknown-unknown', profile['cargo-profile'], `${lib}.wasm`);
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
const wasmFiles = (lib) => [`${lib}.js`, `${lib}.d.ts`, `${lib}_bg.wasm`, `${lib}_bg.wasm.d.ts`];

if (jsOnly) {
  const missing = [libName, ...(cpuOnly ? [] : [webgpuLib])].flatMap(wasmFiles).filter((name) => !existsSync(join(out, name)));
  if (missing.length) throw new Error(`--js-only needs the built wasm in ${outDir}/ (missing: ${missing.join(', ')}); build without --js-only`);
} else {
  run('cargo', ['build', '--target', 'wasm32-unknown-unknown', '--profile', profile['cargo-profile'],
    '-p', runtimePackage.name, ...(cpuOnly ? [] : ['-p', webgpuPackage.name])],
  { CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS: profile.rustflags.join(' ') });
  if (cargoOnly) process.exit(0);
  // The two modules in parallel: wasm-opt is single-threaded, and the WebGPU module's takes minutes.
  await Promise.all([bindgen(libName), ...(cpuOnly ? [] : [bindgen(webgpuLib)])]);
}

for (const file of [...jsModules, ...jsTypes]) copyFileSync(join(root, file), join(out, basename(file)));

const tsc = join(root, 'node_modules/.bin/tsc');
if (!existsSync(tsc)) throw new Error(`${tsc} is missing: run npm ci`);
// --checkJs --strict: a JSDoc type error fails the build instead of shipping a wrong .d.ts.
run(tsc, ['--allowJs', '--checkJs', '--strict', '--declaration', '--emitDeclarationOnly', '--skipLibCheck',
  '--target', 'es2022', '--module', 'es2022', '--moduleResolution', 'bundler', '--lib', 'es2022,dom',
  '--rootDir', dirname(join(root, jsDeclarations[0])), '--outDir', out, ...jsDeclarations.map((m) => join(root, m))]);

const entry = basename(jsModules[0]);
const dts = (module) => module.replace(/\.js$/, '.d.ts');
const element = 'recommender-element.js';
const worker = 'recommender-worker.js';
const pkg = {
  name: npmName,
  version,
  description: runtimePackage.description,
  license: workspace.workspace.package.license,
  type: 'module',
  main: entry,
  types: dts(entry),
  exports: {
    '.': { types: `./${dts(entry)}`, default: `./${entry}` },
    './widget': { types: `./${dts(element)}`, default: `./${element}` },
    './wasm': { types: `./${libName}.d.ts`, default: `./${libName}.js` },
    // The client starts it itself; exported for sites that need its URL (import.meta.resolve).
    './worker': `./${worker}`,
    './package.json': './package.json',
  },
  // Everything the runtime fetches: the modules, the wasm and their precompressed variants.
  files: [...wasmFiles(libName), 'snippets/', ...(cpuOnly ? [] : wasmFiles(webgpuLib)),
    ...jsModules.map((m) => basename(m)), ...jsDeclarations.map((m) => dts(basename(m))),
    ...jsTypes.map((t) => basename(t)), 'README.md', '*.br', '*.gz'],
  sideEffects: [`./${element}`],
};
writeFileSync(join(out, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');

// Brotli and gzip variants for hosts that serve precompressed files (scripts/serve.mjs does);
// a file whose variants are newer than itself is left alone (the wasm modules take a while).
const snippets = readdirSync(join(out, 'snippets'), { recursive: true }).map((f) => join('snippets', f));
for (const name of [...pkg.files, ...snippets].filter((f) => /\.(wasm|js)$/.test(f))) {
  const file = join(out, name);
  if (ENCODED.every((suffix) => mtime(`${file}${suffix}`) >= mtime(file))) continue;
  const sizes = precompress(file);
  if (sizes.br) console.error(`${outDir}/${name}: ${sizes.bytes} bytes, ${sizes.br} brotli, ${sizes.gz} gzip`);
}
