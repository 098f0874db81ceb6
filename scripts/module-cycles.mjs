#!/usr/bin/env node
// Counts files that import each other in a loop, inside each Rust crate of the workspace.
// A file's imports are the `crate::a::b` and `super::a` paths it names (in `use` lines and
// inline paths); each resolves to the module file it lands in. Prints every cycle (a
// strongly connected group of two or more files) and exits 1 when there is one.
//   node scripts/module-cycles.mjs [--quiet]
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every `src` folder of a workspace crate. */
function crateSources() {
  const found = [];
  for (const base of ['crates', '.']) {
    for (const name of readdirSync(join(root, base))) {
      const src = join(root, base, name, 'src');
      if (existsSync(join(root, base, name, 'Cargo.toml')) && existsSync(src)) found.push(src);
    }
  }
  return found;
}

/** The `.rs` files under `dir`. */
function rustFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? rustFiles(path) : name.endsWith('.rs') ? [path] : [];
  });
}

/** The module path (`['sharded', 'ranker']`) of a file under `src`. */
function modulePath(src, file) {
  const parts = relative(src, file).replace(/\.rs$/, '').split('/');
  const last = parts.at(-1);
  if (last === 'mod' || (parts.length === 1 && (last === 'lib' || last === 'main'))) parts.pop();
  return parts;
}

/** Strips comments and string literals, so that prose naming `crate::x` is not an import. */
const code = (text) => text.replace(/\/\/.*$/gm, '').replace(/"(?:[^"\\]|\\.)*"/g, '""');

let cycles = 0;
for (const src of crateSources()) {
  const files = rustFiles(src);
  const byPath = new Map(files.map((f) => [modulePath(src, f).join('::'), f]));
  /** The file a module path resolves to: the longest prefix that is a file. */
  const resolve = (parts, depth = 0) => {
    for (let n = parts.length; n >= 1 && depth < 8; n--) {
      const via = reexports.get(parts.slice(0, n).join('::'));
      if (via) return resolve([...via, ...parts.slice(n)], depth + 1);
    }
    for (let n = parts.length; n >= 0; n--) {
      const file = byPath.get(parts.slice(0, n).join('::'));
      if (file) return file;
    }
    return null;
  };
  // Names a module file re-exports (`pub use a::b::{X, Y};`), so that `crate::X` lands in
  // the file that defines X rather than in lib.rs.
  const reexports = new Map();
  for (const file of files) {
    const here = modulePath(src, file);
    const text = code(readFileSync(file, 'utf8'));
    for (const [, path, group] of text.matchAll(/pub use ((?:\w+::)*)(?:\{([^}]*)\}|(\w+))/g)) {
      const prefix = path.split('::').filter(Boolean);
      if (prefix[0] === 'crate' || prefix[0] === 'super' || prefix.length === 0) continue;
      const names = group ? group.split(',').map((s) => s.trim().split('::')[0]).filter(Boolean) : [];
      for (const name of names) reexports.set([...here, name].join('::'), [...here, ...prefix, name]);
    }
    for (const [, path, name] of text.matchAll(/pub use ((?:\w+::)+)(\w+);/g)) {
      const prefix = path.split('::').filter(Boolean);
      if (prefix[0] === 'crate' || prefix[0] === 'super') continue;
      reexports.set([...here, name].join('::'), [...here, ...prefix, name]);
    }
  }
  const edges = new Map(files.map((f) => [f, new Set()]));
  for (const file of files) {
    const text = code(readFileSync(file, 'utf8'));
    const here = modulePath(src, file);
    // A `mod.rs`/`lib.rs` is its module's parent; `super` from a file `a/b.rs` is `a`.
    const parent = here.slice(0, -1);
    for (const [, head, tail] of text.matchAll(/\b(crate|super)((?:::\w+)+)/g)) {
      const names = tail.split('::').filter(Boolean);
      const target = resolve(head === 'crate' ? names : [...parent, ...names]);
      if (target && target !== file) edges.get(file).add(target);
    }
    // `use crate::{a, b::c}` and `use super::{a, b}` groups.
    for (const [, head, group] of text.matchAll(/\b(crate|super)::\{([^}]*)\}/g)) {
      for (const item of group.split(',')) {
        const names = item.trim().split('::').map((s) => s.trim()).filter((s) => /^\w+$/.test(s));
        const target = resolve(head === 'crate' ? names : [...parent, ...names]);
        if (target && target !== file) edges.get(file).add(target);
      }
    }
  }
  // Tarjan's strongly connected components.
  let index = 0;
  const state = new Map();
  const stack = [];
  const components = [];
  const visit = (v) => {
    state.set(v, { index, low: index, onStack: true });
    index++;
    stack.push(v);
    for (const w of edges.get(v)) {
      if (!state.has(w)) {
        visit(w);
        state.get(v).low = Math.min(state.get(v).low, state.get(w).low);
      } else if (state.get(w).onStack) {
        state.get(v).low = Math.min(state.get(v).low, state.get(w).index);
      }
    }
    if (state.get(v).low === state.get(v).index) {
      const component = [];
      let w;
      do { w = stack.pop(); state.get(w).onStack = false; component.push(w); } while (w !== v);
      if (component.length > 1) components.push(component);
    }
  };
  for (const f of files) if (!state.has(f)) visit(f);
  for (const component of components) {
    cycles++;
    console.log(`cycle: ${component.map((f) => relative(root, f)).sort().join(' ')}`);
  }
}
console.log(`${cycles} import cycle(s) between files`);
process.exit(cycles ? 1 : 0);
