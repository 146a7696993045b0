/* sitegen: line diffs of two texts (Myers' O(ND) algorithm) as unified-diff hunks. Pure; node-tested.
   Bounded: past maxEdits differing lines it gives up (null) rather than freeze the page. */
var SitegenDiff = (function () {
  "use strict";

  /** A text's lines (a final newline does not make an empty last line). */
  function lines(text) {
    if (text == null || text === "") return [];
    var out = String(text).split(/\r?\n/);
    if (out[out.length - 1] === "") out.pop();
    return out;
  }

  /** The edit script from a to b (arrays of lines): [[op, line]] with op " ", "-" or "+";
      null when more than maxEdits lines differ. */
  function edits(a, b, maxEdits) {
    var pre = 0, n = a.length, m = b.length;
    while (pre < n && pre < m && a[pre] === b[pre]) pre++;
    var suf = 0;
    while (suf < n - pre && suf < m - pre && a[n - 1 - suf] === b[m - 1 - suf]) suf++;
    var A = a.slice(pre, n - suf), B = b.slice(pre, m - suf);
    var mid = middle(A, B, maxEdits == null ? 2000 : maxEdits);
    if (mid == null) return null;
    var out = [];
    for (var i = 0; i < pre; i++) out.push([" ", a[i]]);
    out = out.concat(mid);
    for (var j = n - suf; j < n; j++) out.push([" ", a[j]]);
    return out;
  }

  function middle(A, B, maxD) {
    var N = A.length, M = B.length, max = N + M;
    if (!N) return B.map(function (l) { return ["+", l]; });
    if (!M) return A.map(function (l) { return ["-", l]; });
    var off = max + 1, v = new Int32Array(2 * max + 3), trace = [];
    for (var d = 0; d <= Math.min(max, maxD); d++) {
      trace.push(v.slice());
      for (var k = -d; k <= d; k += 2) {
        var x = (k === -d || (k !== d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
        var y = x - k;
        while (x < N && y < M && A[x] === B[y]) { x++; y++; }
        v[off + k] = x;
        if (x >= N && y >= M) return backtrack(A, B, trace, off, d);
      }
    }
    return null;
  }

  function backtrack(A, B, trace, off, D) {
    var x = A.length, y = B.length, out = [];
    for (var d = D; d > 0; d--) {
      var v = trace[d], k = x - y;
      var prevK = (k === -d || (k !== d && v[off + k - 1] < v[off + k + 1])) ? k + 1 : k - 1;
      var px = v[off + prevK], py = px - prevK;
      while (x > px && y > py) { out.push([" ", A[x - 1]]); x--; y--; }
      if (x === px) out.push(["+", B[y - 1]]); else out.push(["-", A[x - 1]]);
      x = px; y = py;
    }
    while (x > 0 && y > 0) { out.push([" ", A[x - 1]]); x--; y--; }
    return out.reverse();
  }

  /** Unified-diff hunks of texts a and b with `context` lines around changes:
      [{a: first line in a (1-based), an: lines of a, b, bn, lines: [[op, text]]}]; [] when equal;
      null when too different (see edits). */
  function unified(a, b, context, maxEdits) {
    var ctx = context == null ? 3 : context;
    var ops = edits(lines(a), lines(b), maxEdits);
    if (ops == null) return null;
    var changed = [];
    for (var i = 0; i < ops.length; i++) if (ops[i][0] !== " ") changed.push(i);
    var groups = [];  // [first op, last op] of each hunk: changes at most 2*ctx apart share one
    changed.forEach(function (i) {
      var g = groups[groups.length - 1];
      if (g && i - g[1] <= 2 * ctx + 1) g[1] = i; else groups.push([i, i]);
    });
    var ai = [0], bi = [0];  // line numbers before each op
    ops.forEach(function (o, k) {
      ai.push(ai[k] + (o[0] !== "+" ? 1 : 0));
      bi.push(bi[k] + (o[0] !== "-" ? 1 : 0));
    });
    return groups.map(function (g) {
      var s = Math.max(0, g[0] - ctx), e = Math.min(ops.length, g[1] + ctx + 1);
      return {a: ai[s] + 1, an: ai[e] - ai[s], b: bi[s] + 1, bn: bi[e] - bi[s], lines: ops.slice(s, e)};
    });
  }

  /** A hunk's range as difflib writes it: "3" (one line), "2,0" (none: the line before), "3,4". */
  function range(start, n) { return n === 1 ? String(start) : n === 0 ? (start - 1) + ",0" : start + "," + n; }

  /** Hunks as the text of a unified diff (the "@@ -a,an +b,bn @@" lines and the lines). */
  function format(hunks) {
    return hunks.map(function (h) {
      return "@@ -" + range(h.a, h.an) + " +" + range(h.b, h.bn) + " @@\n" +
        h.lines.map(function (l) { return l[0] + l[1]; }).join("\n");
    }).join("\n") + (hunks.length ? "\n" : "");
  }

  return {lines: lines, edits: edits, unified: unified, format: format, range: range};
})();
if (typeof module !== "undefined") module.exports = SitegenDiff;
