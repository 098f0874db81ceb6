// A scratch static site built the way a site owner builds one: a catalogue made from real
// public data (MovieLens "ml-latest-small" in data/movielens-small: titles and genres, each
// film's IMDb address from links.csv, and its ratings turned into purchases without a rating
// column), `train-cli site` for a catalogue of items alone and for one with purchases, and
// `python3 -m http.server` serving it with no special headers, under a sub-path (/repo/),
// the widget's files on another path than the pages.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, trainCli } from './harness.mjs';

/** Films taken from the data set (the first ones by id), to keep encoding short. */
export const FILMS = 2500;
/** The folder served as the host's root. */
export const siteRoot = join(root, 'out/site-root');

/** The rows of a CSV file of the data set (no quoted field holds a newline in these files). */
function csv(name) {
  const [header, ...lines] = readFileSync(join(root, 'data/movielens-small', name), 'utf8').trim().split(/\r?\n/);
  const columns = header.split(',');
  const split = (line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g).map((f) => f.replace(/,$/, ''));
  return lines.map((line) => Object.fromEntries(split(line).map((v, i) => [columns[i], v])));
}

/** Writes items.csv (id, title, genres as `a|b`, url) and purchases.csv (user, item, timestamp). */
export function writeCatalogue(dir) {
  mkdirSync(dir, { recursive: true });
  const imdb = new Map(csv('links.csv').map((l) => [l.movieId, l.imdbId]));
  const films = csv('movies.csv').slice(0, FILMS);
  const kept = new Set(films.map((f) => f.movieId));
  const items = films.map((f) => {
    const genres = f.genres === '(no genres listed)' ? '' : f.genres;
    const url = imdb.get(f.movieId) ? `https://www.imdb.com/title/tt${imdb.get(f.movieId)}/` : '';
    return [f.movieId, f.title, genres, url].join(',');
  });
  writeFileSync(join(dir, 'items.csv'), ['id,title,genres,url', ...items].join('\n') + '\n');
  const purchases = csv('ratings.csv').filter((r) => kept.has(r.movieId)).map((r) => `${r.userId},${r.movieId},${r.timestamp}`);
  writeFileSync(join(dir, 'purchases.csv'), ['user,item,timestamp', ...purchases].join('\n') + '\n');
  return films;
}

/** Runs `train-cli site` into `out`; returns what it printed (stdout and stderr). */
export function buildSite(args, out) {
  const all = ['site', ...args, '--out', out, '--base-url', `/repo/${out.split('/').at(-1)}`,
    '--encoder-dir', join(root, 'models/all-MiniLM-L6-v2'), '--package', join(root, 'pkg'),
    '--cache-dir', join(root, 'cache')];
  const run = spawnSync(trainCli, all, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`train-cli site failed (${run.status}): ${run.stderr}`);
  return run.stdout + run.stderr;
}

/** A page of the site that embeds the widget from `folder` with the extra `attributes`. */
export function writePage(path, folder, attributes = '') {
  mkdirSync(join(siteRoot, path, '..'), { recursive: true });
  writeFileSync(join(siteRoot, path), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Films</title>
<script type="module" src="/repo/${folder}/gnnrec/recommender-element.js"></script></head>
<body><main><h1>Films</h1><gnn-recommender bundle="/repo/${folder}/bundle/" backend="cpu" ${attributes}></gnn-recommender></main></body></html>
`);
}

/** Serves `dir` (default `siteRoot`) with `python3 -m http.server`; resolves to `{url, close}`. */
export function servePython(dir = siteRoot) {
  const child = spawn('python3', ['-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (data) => {
      seen += data;
      const port = seen.match(/port (\d+)/)?.[1];
      if (port) resolve({ url: `http://127.0.0.1:${port}`, close: () => child.kill() });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`python3 -m http.server exited (${code}): ${seen}`)));
  });
}

/** Builds both sites and their pages; returns what `train-cli site` printed for each. */
export function buildSites() {
  rmSync(siteRoot, { recursive: true, force: true });
  const data = join(root, 'out/site-data');
  const films = writeCatalogue(data);
  const text = buildSite(['--items', join(data, 'items.csv')], join(siteRoot, 'repo/films-text'));
  const shop = buildSite(['--items', join(data, 'items.csv'), '--interactions', join(data, 'purchases.csv')],
    join(siteRoot, 'repo/films-shop'));
  writePage('repo/pages/text.html', 'films-text');
  writePage('repo/pages/toy-story.html', 'films-text', 'related-to="1" layout="related"');
  writePage('repo/pages/shop.html', 'films-shop');
  // Offline as the snippet says: the packaged service worker copied to the site's root (here
  // /repo/, a project page), named by `offline`; a page of the site without the widget; and a
  // page where the widget sits below the fold with `loading="lazy"`.
  copyFileSync(join(siteRoot, 'repo/films-text/gnnrec/gnnrec-sw.js'), join(siteRoot, 'repo/gnnrec-sw.js'));
  writePage('repo/pages/offline.html', 'films-text', 'offline="/repo/gnnrec-sw.js"');
  mkdirSync(join(siteRoot, 'repo/about'), { recursive: true });
  writeFileSync(join(siteRoot, 'repo/about/index.html'),
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>About</title></head><body><p>About us</p></body></html>\n');
  writePage('repo/pages/lazy.html', 'films-text', 'loading="lazy" style="margin-top: 300vh"');
  return { films, text, shop };
}
