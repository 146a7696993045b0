/* sitegen: the numbers behind the charts: logging times, smoothing, outlier clipping, log-scale
   defaults, run colours, group means, CSV, and the chart settings' text in the URL. Pure; node-tested. */
var SitegenChartMath = (function () {
  "use strict";

  function isNum(v) { return typeof v === "number" && isFinite(v); }

  /** The unix time (ms) of each drawn point of a series: {t0, tk, dt} give the times of points
      0, k, 2k, ... and of the last one (see sitegen/site/data.py); points in between are placed
      linearly. null when the series has no times. */
  function times(line) {
    if (line.t0 == null || !line.dt) return null;
    var n = line.values.length, k = line.tk || 1, out = new Array(n);
    var knots = [0];
    for (var i = k; i < n - 1; i += k) knots.push(i);
    if (n > 1) knots.push(n - 1);
    if (knots.length !== line.dt.length + 1) return null;
    var t = line.t0;
    out[0] = t;
    for (var j = 1; j < knots.length; j++) {
      var a = knots[j - 1], b = knots[j], d = line.dt[j - 1];
      for (var p = a + 1; p <= b; p++) out[p] = t + d * (p - a) / (b - a);
      t += d;
    }
    return out;
  }

  /** Exponential moving average as TensorBoard's smoothing: debiased, so the start is not pulled to
      zero; gaps (null) stay gaps and do not reset it. weight 0: the values as they are. */
  function ema(values, weight) {
    var n = values.length, out = new Array(n);
    if (!(weight > 0)) { for (var i = 0; i < n; i++) out[i] = values[i]; return out; }
    var last = 0, count = 0;
    for (var j = 0; j < n; j++) {
      var v = values[j];
      if (!isNum(v)) { out[j] = null; continue; }
      last = last * weight + (1 - weight) * v;
      count++;
      out[j] = last / (1 - Math.pow(weight, count));
    }
    return out;
  }

  /** The [lo, hi] quantiles (0..1) of the finite values (linear interpolation); null when none. */
  function quantiles(values, lo, hi) {
    var v = values.filter(isNum).sort(function (a, b) { return a - b; });
    if (!v.length) return null;
    function q(p) {
      var x = (v.length - 1) * p, i = Math.floor(x), f = x - i;
      return i + 1 < v.length ? v[i] + f * (v[i + 1] - v[i]) : v[i];
    }
    return [q(lo), q(hi)];
  }

  /** Whether positive values span more than `decades` powers of ten (a log axis reads better). */
  function spansDecades(values, decades) {
    var lo = Infinity, hi = -Infinity;
    for (var i = 0; i < values.length; i++) {
      var v = values[i];
      if (!isNum(v)) continue;
      if (v <= 0) return false;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return hi > lo && Math.log10(hi / lo) > decades;
  }

  /** A run's colour, the same on every chart and page: hues a golden angle apart by run number
      (neighbouring runs differ most), lighter on a dark background. */
  function runColor(number, id, dark) {
    var n = isNum(number) ? number : 0;
    if (!isNum(number)) for (var i = 0; i < String(id).length; i++) n = (n * 31 + String(id).charCodeAt(i)) % 9973;
    var hue = Math.round((n * 137.508 + 210) % 360);
    return "hsl(" + hue + ", " + (dark ? "70%, 66%)" : "68%, 42%)");
  }

  /** Mean, min, max and std per x of several lines ([{x: [...], y: [...]}]): [{x, mean, min, max, std, n}]
      sorted by x; points with a missing value are left out. */
  function groupBand(lines) {
    var by = new Map();
    lines.forEach(function (l) {
      for (var i = 0; i < l.x.length; i++) {
        var x = l.x[i], y = l.y[i];
        if (!isNum(x) || !isNum(y)) continue;
        var s = by.get(x);
        if (!s) by.set(x, s = {x: x, sum: 0, sq: 0, n: 0, min: y, max: y});
        s.sum += y; s.sq += y * y; s.n++;
        if (y < s.min) s.min = y;
        if (y > s.max) s.max = y;
      }
    });
    return Array.from(by.values()).sort(function (a, b) { return a.x - b.x; }).map(function (s) {
      var mean = s.sum / s.n;
      return {x: s.x, mean: mean, min: s.min, max: s.max, n: s.n,
              std: Math.sqrt(Math.max(0, s.sq / s.n - mean * mean))};
    });
  }

  /** CSV text (RFC 4180) of rows under the given fields; text that a spreadsheet would run as a
      formula (=, +, -, @ first) gets a leading apostrophe. */
  function csv(rows, fields) {
    function cell(v) {
      if (v == null) return "";
      if (typeof v === "number") return isFinite(v) ? String(v) : "";
      var s = String(v);
      if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
      return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    }
    var out = [fields.map(cell).join(",")];
    rows.forEach(function (r) { out.push(fields.map(function (f) { return cell(r[f]); }).join(",")); });
    return out.join("\r\n") + "\r\n";
  }

  // ---- chart settings, as text in the URL fragment ("ylog,s0.6,xwall,clip,nopoints")
  var X_AXES = ["step", "wall", "rel"];
  var DEFAULTS = {ylog: false, xlog: null, smooth: 0, x: "step", clip: false, points: null};

  /** Settings text -> {ylog, xlog (null: automatic), smooth 0..0.99, x: step|wall|rel, clip, points
      (null: automatic)}; unknown words are ignored. */
  function parseSettings(text) {
    var s = Object.assign({}, DEFAULTS);
    String(text || "").split(",").forEach(function (w) {
      if (w === "ylog") s.ylog = true;
      else if (w === "xlog") s.xlog = true;
      else if (w === "xlin") s.xlog = false;
      else if (w === "clip") s.clip = true;
      else if (w === "points") s.points = true;
      else if (w === "nopoints") s.points = false;
      else if (w.charAt(0) === "x" && X_AXES.indexOf(w.slice(1)) >= 0) s.x = w.slice(1);
      else if (/^s0?\.\d+$/.test(w)) s.smooth = Math.min(0.99, Math.max(0, parseFloat(w.slice(1))));
    });
    return s;
  }

  /** The inverse of parseSettings ("" for the defaults). */
  function formatSettings(s) {
    var out = [];
    if (s.ylog) out.push("ylog");
    if (s.xlog === true) out.push("xlog");
    if (s.xlog === false) out.push("xlin");
    if (s.smooth > 0) out.push("s" + String(Math.round(Math.min(0.99, s.smooth) * 100) / 100).replace(/^0/, ""));
    if (s.x && s.x !== "step") out.push("x" + s.x);
    if (s.clip) out.push("clip");
    if (s.points === true) out.push("points");
    if (s.points === false) out.push("nopoints");
    return out.join(",");
  }

  /** The runs a chart of many runs draws: the ticked ones if any, else the shown ones, at most cap. */
  function pickRuns(ticked, shown, cap) {
    var from = ticked && ticked.length ? ticked : shown;
    return {runs: from.slice(0, cap), of: from.length, ticked: !!(ticked && ticked.length)};
  }

  /** The x of each drawn point of a series for axis x ("step", "wall": unix ms, "rel": seconds since
      `start` (unix ms; default: the first point)); null when the series has no times. */
  function xValues(line, x, steps, start) {
    if (x === "step") return steps;
    var t = times(line);
    if (!t) return null;
    if (x === "wall") return t;
    var t0 = isNum(start) ? start : t[0];
    return t.map(function (v) { return (v - t0) / 1000; });
  }

  /** The indices of at most max points of a line to draw (all when it has no more): the first, the
      last, and each bucket's lowest and highest of ys (as the build's downsampling), sorted. */
  function thin(ys, max) {
    var n = ys.length;
    if (n <= max) { var all = new Array(n); for (var a = 0; a < n; a++) all[a] = a; return all; }
    var buckets = Math.max(1, Math.floor((max - 2) / 2)), size = (n - 2) / buckets, keep = [0];
    for (var b = 0; b < buckets; b++) {
      var lo = 1 + Math.floor(b * size), hi = 1 + Math.floor((b + 1) * size), imin = -1, imax = -1;
      for (var i = lo; i < hi; i++) {
        var v = ys[i];
        if (!isNum(v)) continue;
        if (imin < 0 || v < ys[imin]) imin = i;
        if (imax < 0 || v > ys[imax]) imax = i;
      }
      if (imin < 0) { if (hi > lo) keep.push(lo); continue; }
      if (imin < imax) keep.push(imin, imax); else if (imax < imin) keep.push(imax, imin); else keep.push(imin);
    }
    keep.push(n - 1);
    return keep;
  }

  /** Points drawn per line when a chart draws `lines` of them: charts of many runs stay quick
      (about 4,000 points in all: Vega's dataflow costs per point, and the first Vega chart of a page
      drawing 50 lines of 100 points took 0.2-0.35 s in one task at 50,000 runs; 80 points a line,
      extremes kept, at 50 runs), a few runs keep every point (up to the build's 2,500 a line). */
  function pointsPerLine(lines) { return Math.max(40, Math.min(2500, Math.floor(4000 / Math.max(1, lines)))); }

  /** The rows of a chart of learning curves: runs [{id, label, href, color, start (unix ms), line (a
      series of its data file), steps}], settings s, at most max points a line (see thin). Each point:
      {id, run, x, y, ys, href, color}: y as logged (rounded
      for drawing), ys smoothed (s.smooth); on a log axis values <= 0 are gaps. Also says which runs
      had no times (drawn by step). */
  function curveRows(runs, s, max) {
    var rows = [], noTimes = [], thinned = 0;
    runs.forEach(function (r) {
      var line = r.line, steps = r.steps;
      var xs = xValues(line, s.x, steps, r.start);
      if (!xs) { noTimes.push(r.id); return; }
      var ys = ema(line.values, s.smooth);  // smoothed over every point, then thinned for drawing
      var idx = thin(ys, max || Infinity);
      if (idx.length < steps.length) thinned++;
      for (var k = 0; k < idx.length; k++) {
        var i = idx[k], y = line.values[i], sm = ys[i];
        if (s.ylog) { if (!(y > 0)) y = null; if (!(sm > 0)) sm = null; }
        rows.push({id: r.id, run: r.label, x: xs[i], y: y, ys: sm, href: r.href, color: r.color});
      }
    });
    return {rows: rows, noTimes: noTimes, thinned: thinned};
  }

  return {times: times, xValues: xValues, curveRows: curveRows, thin: thin, pointsPerLine: pointsPerLine, ema: ema, quantiles: quantiles, spansDecades: spansDecades, runColor: runColor,
          groupBand: groupBand, csv: csv, parseSettings: parseSettings, formatSettings: formatSettings,
          pickRuns: pickRuns, DEFAULTS: DEFAULTS};
})();
if (typeof module !== "undefined") module.exports = SitegenChartMath;
