/* sitegen: the grid's rows as data: ordering, groups and their statistics, nesting (the filter is
   SitegenQuery's).
   Pure functions; node-tested. */
var SitegenRows = (function () {
  "use strict";

  function empty(v) { return v == null || v === ""; }
  // localeCompare's order, from one collator (50,000 names sort a few times faster than through localeCompare)
  var collate = typeof Intl !== "undefined" ? new Intl.Collator().compare : function (a, b) { return a.localeCompare(b); };

  /** Order of two cell values: numbers before text, text by locale, empty last. */
  function compare(a, b) {
    var an = empty(a), bn = empty(b);
    if (an || bn) return an && bn ? 0 : (an ? 1 : -1);
    var na = typeof a === "number", nb = typeof b === "number";
    if (na && nb) return a - b;
    if (na !== nb) return na ? -1 : 1;
    return collate(String(a), String(b));
  }

  /** Sort rows in place by get(row); empty cells last in both directions, equal ones in the order
      they were. Each cell is read once; when every cell is a number (or empty) they are compared as
      a Float64Array (50,000 rows: a few times faster than comparing through get). */
  function sort(rows, get, desc) {
    var full = [], blank = [], keys = new Array(rows.length), numeric = true;
    for (var i = 0; i < rows.length; i++) {
      var v = keys[i] = get(rows[i]);
      if (empty(v)) { blank.push(i); continue; }
      full.push(i);
      if (typeof v !== "number") numeric = false;
    }
    var sign = desc ? -1 : 1;
    if (numeric) {
      var k = new Float64Array(rows.length);
      full.forEach(function (j) { k[j] = keys[j]; });
      full.sort(function (a, b) { return sign * (k[a] - k[b]) || 0; });
    } else {
      full.sort(function (a, b) { return sign * compare(keys[a], keys[b]); });
    }
    var copy = rows.slice(), order = full.concat(blank);
    for (var m = 0; m < order.length; m++) rows[m] = copy[order[m]];
    return rows;
  }

  /** Count, mean, sample standard deviation (n - 1; 0 for one value), min and max of the finite
      numbers among values; null when there are none. */
  function stats(values) {
    var n = 0, sum = 0, min = Infinity, max = -Infinity;
    for (var i = 0; i < values.length; i++) {
      var v = values[i];
      if (typeof v !== "number" || !isFinite(v)) continue;
      n++; sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (!n) return null;
    var mean = sum / n, sq = 0;
    for (var j = 0; j < values.length; j++) {
      var w = values[j];
      if (typeof w === "number" && isFinite(w)) sq += (w - mean) * (w - mean);
    }
    return {n: n, mean: mean, std: n > 1 ? Math.sqrt(sq / (n - 1)) : 0, min: min, max: max};
  }

  /** Runs split by keyOf(run) (a value; missing is a group of its own): [{key, value, runs}] in the
      order each value first appears. */
  function group(runs, keyOf) {
    var byKey = new Map(), out = [];
    runs.forEach(function (r) {
      var v = keyOf(r);
      if (v === undefined || v === "") v = null;
      var k = JSON.stringify(v);
      var g = byKey.get(k);
      if (!g) { g = {key: k, value: v, runs: []}; byKey.set(k, g); out.push(g); }
      g.runs.push(r);
    });
    return out;
  }

  /** Runs nested by their parent: {roots, kids: Map id -> children}. A run whose parent is not among
      runs is a root, and so is one whose parents loop back to it. */
  function nest(runs) {
    var byId = new Map();
    runs.forEach(function (r) { byId.set(r.id, r); });
    function loops(r) {
      var seen = new Set([r.id]), p = r.parent;
      while (p && byId.has(p)) {
        if (seen.has(p)) return true;
        seen.add(p); p = byId.get(p).parent;
      }
      return false;
    }
    var roots = [], kids = new Map();
    runs.forEach(function (r) {
      if (r.parent && r.parent !== r.id && byId.has(r.parent) && !loops(r)) {
        if (!kids.has(r.parent)) kids.set(r.parent, []);
        kids.get(r.parent).push(r);
      } else roots.push(r);
    });
    return {roots: roots, kids: kids};
  }

  return {compare: compare, sort: sort, stats: stats, group: group, nest: nest};
})();
if (typeof module !== "undefined") module.exports = SitegenRows;
