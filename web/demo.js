// The demo page: loads a bundle, searches as you type, keeps likes in localStorage and
// shows recommendations from them. Catalogue strings are only ever set as text.
import { loadRecommender } from './recommender.js';

const params = new URLSearchParams(location.search);
const bundle = params.get('bundle') ?? '../bundles/movielens/';
const backend = params.get('backend') ?? 'auto';
const LIKES = 'gnnrec-demo-likes';
const $ = (id) => document.getElementById(id);

const likes = () => JSON.parse(localStorage.getItem(LIKES) ?? '[]');
const saveLikes = (list) => localStorage.setItem(LIKES, JSON.stringify(list));
const isLiked = (id) => likes().some((h) => h.id === id);

function toggleLike(id) {
  const list = likes();
  saveLikes(isLiked(id) ? list.filter((h) => h.id !== id) : [...list, { id, timestampMs: Date.now() }]);
}

/** Renders results as list items: title, subtitle, why, and a like toggle. */
function render(list, results, refresh) {
  list.replaceChildren(...results.map((r) => {
    const item = document.createElement('li');
    const title = document.createElement('strong');
    title.textContent = r.title;
    const subtitle = document.createElement('div');
    subtitle.className = 'subtitle';
    subtitle.textContent = r.subtitle;
    const why = document.createElement('div');
    why.className = 'why';
    why.textContent = `${r.why} · score ${r.score.toFixed(3)}`;
    const like = document.createElement('button');
    like.type = 'button';
    like.textContent = 'Like';
    like.setAttribute('aria-pressed', String(isLiked(r.id)));
    like.setAttribute('aria-label', `Like ${r.title}`);
    like.addEventListener('click', () => { toggleLike(r.id); refresh(); });
    item.append(title, ' ', like, subtitle, why);
    return item;
  }));
}

async function main() {
  const recommender = await loadRecommender(bundle, {
    backend,
    onProgress: ({ stage, loaded, total }) => {
      $('progress').value = total ? loaded / total : 0;
      $('status').textContent = stage === 'download'
        ? `Downloading the bundle: ${(loaded / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB`
        : 'Checking the bundle and starting the model…';
    },
  });
  $('status').textContent = `Ready: ${recommender.itemCount} items, query encoder on ${recommender.backend}` +
    (recommender.fallbackReason ? ` (${recommender.fallbackReason})` : '');
  let timer;
  const refresh = async () => {
    render($('recommended'), recommender.recommend(likes(), 10).results, refresh);
    const query = $('query').value.trim();
    if (query) render($('results'), (await recommender.search(query, likes(), 10)).results, refresh);
  };
  $('query').disabled = false;
  $('query').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(refresh, 200); });
  $('search').addEventListener('submit', (e) => { e.preventDefault(); refresh(); });
  $('clear').addEventListener('click', () => { localStorage.removeItem(LIKES); refresh(); });
  refresh();
}

main().catch((error) => {
  $('status').textContent = `Could not load the recommender: ${error.message}`;
});
