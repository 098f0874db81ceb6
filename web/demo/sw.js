// The demo's service worker is the package's (gnnrec-sw.js), loaded from this folder so that
// its scope covers the demo page: the widget's `offline="sw.js"` registers it.
importScripts('../../pkg/gnnrec-sw.js');
