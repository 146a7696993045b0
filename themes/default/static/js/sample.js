/* sitegen: what a chart of thousands of runs draws: a summary that keeps what a reader looks for.
   Pure; node-tested. */
var SitegenSample = (function () {
  "use strict";
  function isNum(v) { return typeof v === "number" && isFinite(v); }
  var CELLS = 32;  // a scatter of thousands of runs: at most ~1,100 points (Vega's first draw of 2,000: ~0.3 s)

  /** The points of a scatter to draw, at most about cells² + 2·cells + keep.size of them, out of items
      whose x(item) and y(item) are both numbers: every item whose id(item) is in keep (ticked runs),
      the items of the least and greatest x and y, in each of `cells` columns of x the items of the
      least and greatest y (the outline), and one item per occupied cell of a cells × cells grid (where
      the points are). In the items' order. Returns {items, of} (of: the items with both numbers). */
  function scatter(items, x, y, opts) {
    var cells = (opts && opts.cells) || CELLS, keep = (opts && opts.keep) || null, id = (opts && opts.id) || null;
    var xs = [], ys = [], at = [];
    var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (var i = 0; i < items.length; i++) {
      var a = x(items[i]), b = y(items[i]);
      if (!isNum(a) || !isNum(b)) continue;
      xs.push(a); ys.push(b); at.push(i);
      if (a < x0) x0 = a; if (a > x1) x1 = a; if (b < y0) y0 = b; if (b > y1) y1 = b;
    }
    var n = at.length, chosen = new Uint8Array(n);
    if (n <= cells * cells) return {items: at.map(function (k) { return items[k]; }), of: n};
    var sx = x1 > x0 ? cells / (x1 - x0) : 0, sy = y1 > y0 ? cells / (y1 - y0) : 0;
    var seen = new Uint8Array(cells * cells), lo = new Int32Array(cells).fill(-1), hi = new Int32Array(cells).fill(-1);
    var ext = [-1, -1, -1, -1];
    for (var j = 0; j < n; j++) {
      var cx = Math.min(cells - 1, Math.floor((xs[j] - x0) * sx)), cy = Math.min(cells - 1, Math.floor((ys[j] - y0) * sy));
      var c = cx * cells + cy;
      if (!seen[c]) { seen[c] = 1; chosen[j] = 1; }
      if (lo[cx] < 0 || ys[j] < ys[lo[cx]]) lo[cx] = j;
      if (hi[cx] < 0 || ys[j] > ys[hi[cx]]) hi[cx] = j;
      if (xs[j] === x0 && ext[0] < 0) ext[0] = j; if (xs[j] === x1 && ext[1] < 0) ext[1] = j;
      if (ys[j] === y0 && ext[2] < 0) ext[2] = j; if (ys[j] === y1 && ext[3] < 0) ext[3] = j;
      if (keep && id && keep.has(id(items[at[j]]))) chosen[j] = 1;
    }
    for (var k = 0; k < cells; k++) { if (lo[k] >= 0) chosen[lo[k]] = 1; if (hi[k] >= 0) chosen[hi[k]] = 1; }
    ext.forEach(function (e) { if (e >= 0) chosen[e] = 1; });
    var out = [];
    for (var m = 0; m < n; m++) if (chosen[m]) out.push(items[at[m]]);
    return {items: out, of: n};
  }

  /** The least and greatest number of each of values (a list of functions) over items[from, to),
      added to ext (from extremes(): [[index of the least, least, index of the greatest, greatest]]). */
  function extremes(items, values, from, to, ext) {
    ext = ext || values.map(function () { return [-1, Infinity, -1, -Infinity]; });
    values.forEach(function (f, j) {
      var e = ext[j];
      for (var i = from; i < to; i++) {
        var v = f(items[i]);
        if (!isNum(v)) continue;
        if (v < e[1]) { e[1] = v; e[0] = i; }
        if (v > e[3]) { e[3] = v; e[2] = i; }
      }
    });
    return ext;
  }

  /** About max of items for a chart of one line per item (parallel coordinates): every item whose
      id is in keep, for each of the values(item) (a list of functions) the items of its least and
      greatest number, then evenly spaced others up to max. In the items' order. opts.extremes: those
      of extremes() over every item, if already worked out (in slices: see chunked). */
  function lines(items, max, values, opts) {
    var keep = (opts && opts.keep) || null, id = (opts && opts.id) || null;
    if (items.length <= max) return items.slice();
    var chosen = new Uint8Array(items.length), count = 0;
    function pick(i) { if (i >= 0 && !chosen[i]) { chosen[i] = 1; count++; } }
    ((opts && opts.extremes) || extremes(items, values, 0, items.length)).forEach(function (e) { pick(e[0]); pick(e[2]); });
    if (keep && keep.size && id) for (var k = 0; k < items.length; k++) if (keep.has(id(items[k]))) pick(k);
    var room = max - count;
    if (room > 0) {
      var step = items.length / room;
      for (var s = 0; s < room; s++) pick(Math.floor(s * step));
    }
    var out = [];
    for (var m = 0; m < items.length; m++) if (chosen[m]) out.push(items[m]);
    return out;
  }

  /** Run work(from, to) over [0, n) in slices of size, each in its own task (setTimeout), so that no
      task runs long; then done(). */
  function chunked(n, size, work, done) {
    var from = 0;
    (function next() {
      var to = Math.min(n, from + size);
      if (from < to) work(from, to);
      from = to;
      if (from < n) setTimeout(next, 0); else done();
    })();
  }

  return {CELLS: CELLS, scatter: scatter, lines: lines, extremes: extremes, chunked: chunked};
})();
if (typeof module !== "undefined") module.exports = SitegenSample;
