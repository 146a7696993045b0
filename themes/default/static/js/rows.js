/* sitegen: the grid's rows as data: ordering, groups and their statistics, nesting (the filter is
   SitegenQuery's).
   Pure functions; node-tested. */
var SitegenRows = (function () {
  "use strict";

  /** An empty cell: missing, blank text or NaN (sorted last, in both directions). */
  function empty(v) { return v == null || v === "" || v !== v; }
  // localeCompare's order, from one collator (50,000 names sort a few times faster than through localeCompare)
  var collate = typeof Intl !== "undefined" ? new Intl.Collator().compare : function (a, b) { return a.localeCompare(b); };

  /** Order of two cell values: numbers before text, text by locale, empty last. */
  function compare(a, b) {
    var an = empty(a), bn = empty(b);
    if (an || bn) return an && bn ? 0 : (an ? 1 : -1);
    var na = typeof a === "number", nb = typeof b === "number";
    if (na && nb) return a < b ? -1 : a > b ? 1 : 0;
    if (na !== nb) return na ? -1 : 1;
    return collate(String(a), String(b));
  }

  var CHECK = 64;  // items of work between two looks at the clock
  var RUN = 1024;  // texts sorted natively in one piece before the merge passes
  function now() { return typeof performance !== "undefined" ? performance.now() : Date.now(); }

  /** The ranks of values, worked out in slices: job.step(ms) works for about ms (at least one small
      unit) and returns true once done; job.ranks then holds a Uint32Array with compare()'s order:
      ranks[i] < ranks[j] exactly when values[i] sorts before values[j], equal for equal values,
      job.blank (the greatest) for empty ones. Numbers are ranked at once (a typed-array sort); text
      through the collator, by a merge sort of its distinct values in slices (50,000 names: the one
      slow part of a sort). */
  function rankJob(values) {
    var n = values.length, i = 0, phase = 0;
    var nums = new Map(), texts = new Map(), distinct = [], sorted = null, order = null, buf = null;
    var width = 0, lo = 0, a = 0, b = 0, k = 0, rankOf = null;
    var job = {ranks: null, blank: 0, step: step};

    function classify(until) {
      for (; i < n && i < until; i++) {
        var v = values[i];
        if (empty(v)) continue;
        if (typeof v === "number") { if (!nums.has(v)) nums.set(v, 0); }
        else {
          var t = String(v);
          if (!texts.has(t)) { texts.set(t, distinct.length); distinct.push(t); }
        }
      }
      return i >= n;
    }
    function cmpAt(x, y) { return collate(distinct[x], distinct[y]); }
    function mergeSome(until) {  // one bottom-up merge pass in pieces: order -> buf, `until` items at most
      var m = distinct.length;
      for (var done = 0; done < until; ) {
        if (lo >= m) {  // pass over: the next, twice as wide
          var t = order; order = buf; buf = t;
          width *= 2; lo = 0; a = 0; k = 0;
          if (width >= m) return true;
        }
        var mid = Math.min(lo + width, m), hi = Math.min(lo + 2 * width, m);
        if (k === lo) { a = lo; b = mid; }
        if (k === lo && (mid >= hi || cmpAt(order[mid - 1], order[mid]) <= 0)) {  // in order already
          buf.set(order.subarray(lo, hi), lo); done += hi - lo; k = lo = hi; continue;
        }
        if (k === lo && cmpAt(order[hi - 1], order[lo]) < 0) {  // the second all before the first (reversed)
          buf.set(order.subarray(mid, hi), lo); buf.set(order.subarray(lo, mid), lo + hi - mid);
          done += hi - lo; k = lo = hi; continue;
        }
        while (k < hi && done < until) {
          if (a < mid && (b >= hi || cmpAt(order[a], order[b]) <= 0)) buf[k++] = order[a++];
          else buf[k++] = order[b++];
          done++;
        }
        if (k >= hi) lo = hi;
      }
      return false;
    }
    function step(ms) {
      var end = now() + (ms > 0 ? ms : 0);
      do {
        if (phase === 0) {  // read the values: distinct numbers and texts
          if (classify(i + CHECK * 16)) {
            var ns = new Float64Array(nums.size), j = 0;
            nums.forEach(function (_, v) { ns[j++] = v; });
            ns.sort();  // numeric, native; then each number's rank
            for (j = 0; j < ns.length; j++) nums.set(ns[j], j);
            order = new Uint32Array(distinct.length); buf = new Uint32Array(distinct.length);
            for (j = 0; j < order.length; j++) order[j] = j;
            width = 1; lo = 0; k = 0; phase = 1;
          }
        } else if (phase === 1) {  // sort runs of RUN texts natively, then merge them
          var from = lo, to = Math.min(distinct.length, from + RUN);
          if (from < to) {
            var part = Array.prototype.slice.call(order, from, to).sort(cmpAt);
            for (var p = 0; p < part.length; p++) order[from + p] = part[p];
          }
          lo = to;
          if (lo >= distinct.length) { width = RUN; lo = 0; k = 0; phase = width >= distinct.length ? 3 : 2; }
        } else if (phase === 2) {
          if (mergeSome(CHECK * 16)) phase = 3;
        } else if (phase === 3) {  // texts' ranks after the numbers' (equal texts share one)
          rankOf = new Uint32Array(distinct.length);
          var r = nums.size;
          for (var q = 0; q < order.length; q++) {
            if (q && cmpAt(order[q - 1], order[q]) !== 0) r++;
            rankOf[order[q]] = r;
          }
          job.blank = r + (order.length ? 1 : 0);
          job.ranks = new Uint32Array(n); i = 0; phase = 4;
        } else {  // every value's rank
          var until = Math.min(n, i + CHECK * 16);
          for (; i < until; i++) {
            var v = values[i];
            job.ranks[i] = empty(v) ? job.blank : typeof v === "number" ? nums.get(v) : rankOf[texts.get(String(v))];
          }
          if (i >= n) { phase = 5; nums = texts = distinct = order = buf = rankOf = null; return true; }
        }
      } while (now() < end);
      return phase === 5;
    }
    return job;
  }

  /** The values' ranks (rankJob, in one go): {ranks, blank}. */
  function ranks(values) {
    var job = rankJob(values);
    while (!job.step(Infinity)) { /* one go */ }
    return {ranks: job.ranks, blank: job.blank};
  }

  /** Positions 0..n-1 ordered by rank (a counting sort: linear), ascending or descending; equal ranks
      in the order they were; rank `blank` last in both directions. */
  function orderBy(ranked, desc) {
    var r = ranked.ranks, blank = ranked.blank, n = r.length;
    var start = new Uint32Array(blank + 2), out = new Uint32Array(n);
    function slot(x) { return x === blank ? blank : desc ? blank - 1 - x : x; }
    for (var i = 0; i < n; i++) start[slot(r[i]) + 1]++;
    for (var j = 1; j < start.length; j++) start[j] += start[j - 1];
    for (var m = 0; m < n; m++) out[start[slot(r[m])]++] = m;
    return out;
  }

  /** items in the order of positions (orderBy), as a new array. */
  function permute(items, order) {
    var out = new Array(order.length);
    for (var i = 0; i < order.length; i++) out[i] = items[order[i]];
    return out;
  }

  /** Sort rows in place by get(row) (compare's order); empty cells last in both directions, equal
      ones in the order they were. Each cell is read once; the order is a counting sort of ranks. */
  function sort(rows, get, desc) {
    var sorted = permute(rows, orderBy(ranks(rows.map(function (r) { return get(r); })), desc));
    for (var i = 0; i < sorted.length; i++) rows[i] = sorted[i];
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
    for (var i = 0; i < runs.length; i++) {
      var r = runs[i], v = keyOf(r);
      var t = typeof v;
      if (v === undefined || v === "" || (t === "number" && !isFinite(v))) { v = null; t = "object"; }  // the map's key: the value and its type (1 and "1" apart); its JSON once a group
      var k = t === "string" ? "s" + v : v === null || t !== "object" ? t + v : "j" + JSON.stringify(v);
      var g = byKey.get(k);
      if (!g) { g = {key: JSON.stringify(v), value: v, runs: []}; byKey.set(k, g); out.push(g); }
      g.runs.push(r);
    }
    return out;
  }

  /** Runs nested by their parent: {roots, kids: Map id -> children}. A run whose parent is not among
      runs is a root, and so is one whose parents loop back to it. */
  function nest(runs) {
    if (!runs.some(function (r) { return r.parent; })) return {roots: runs.slice(), kids: new Map()};  // none nested
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

  return {compare: compare, empty: empty, sort: sort, rankJob: rankJob, ranks: ranks, orderBy: orderBy, permute: permute,
          stats: stats, group: group, nest: nest};
})();
if (typeof module !== "undefined") module.exports = SitegenRows;
