// The demo page: one <gnn-recommender> on the MovieLens bundle; `?bundle=` and `?backend=`
// override its attributes.
import './gnn-recommender.js';

const params = new URLSearchParams(location.search);
const widget = document.createElement('gnn-recommender');
widget.setAttribute('bundle', params.get('bundle') ?? '../bundles/movielens/');
widget.setAttribute('backend', params.get('backend') ?? 'auto');
document.getElementById('demo').append(widget);
