/* sitegen: the packed run data files (data/runs/<id>.js; the format: sitegen/site/runpack.py).
   Each file queues [id, base64] on window.SITEGEN_PACKED and calls unpackAll(), which decodes it at
   once (synchronously: fflate's inflate, base64, typed arrays) into the shape every page reads:
   window.SITEGEN_RUNS[id] = {id, number, name, ..., series: {name: {n, start, stride | steps, values,
   last, t0, tk, dt, v, x}}}, values a plain array (null for gaps; a float as the shortest decimal of
   its float32; v: "f" floats, "i"/"d" ints; x: the metrics.tsv text of points that are not numbers).
   Node-tested. */
var SitegenRunPack = (function () {
  "use strict";
  var F = typeof fflate !== "undefined" ? fflate : require("../vendor/fflate/fflate.min.js");
  var WIDTH = {i: 4, d: 8, f: 4};

  function bytes(b64) {
    var s = atob(b64), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  /** A column's bytes put back in order (they are stored all first bytes, then all second, …). */
  function unshuffle(src, off, count, width) {
    var out = new Uint8Array(count * width);
    for (var j = 0; j < width; j++) {
      var base = off + j * count;
      for (var i = 0; i < count; i++) out[i * width + j] = src[base + i];
    }
    return out.buffer;
  }

  /** A float32 (as a number) as the shortest decimal that is that float32 (7 to 9 digits); the
      same as sitegen.site.runpack.shortest_f32. */
  function shortest(x) {
    if (x === 0) return x;  // -0 stays -0 ("-0.000000" would read as 0)
    for (var p = 7; p <= 8; p++) {
      var v = +x.toPrecision(p);
      if (Math.fround(v) === x) return v;
    }
    return +x.toPrecision(9);
  }

  /** What a chart draws for a point stored as text (metrics.tsv's): finite numbers, else a gap. */
  function textValue(t) {
    var c = t.charAt(0);
    if (c === '"' || c === "t" || c === "f") return null;  // a string, true, false
    var v = Number(t);
    return isFinite(v) ? v : null;
  }

  function values(h, raw, pos) {
    var buf = unshuffle(raw, pos, h.c, WIDTH[h.v]), n = h.c, out = new Array(n), i;
    if (h.v === "f") {
      var a = new Float32Array(buf);
      for (i = 0; i < n; i++) { var x = a[i]; out[i] = isFinite(x) ? shortest(x) : null; }
    } else {
      var b = h.v === "i" ? new Int32Array(buf) : new Float64Array(buf);
      for (i = 0; i < n; i++) out[i] = b[i];
    }
    if (h.x) Object.keys(h.x).forEach(function (k) { out[+k] = textValue(h.x[k]); });
    return out;
  }

  /** A data file's base64 as the run (see the top of this file). */
  function decode(b64) {
    var raw = F.inflateSync(bytes(b64)), cut = raw.indexOf(10);
    var run = JSON.parse(new TextDecoder().decode(raw.subarray(0, cut)));
    var pos = cut + 1, series = {};
    run.series.forEach(function (pair) {  // [name, header] in the order of the columns
      var h = pair[1];
      h.values = values(h, raw, pos);
      pos += h.c * WIDTH[h.v];
      delete h.c;  // h.v stays: the column's type ("f": floats, "i"/"d": ints), for the download
      series[pair[0]] = h;
    });
    run.series = series;
    return run;
  }

  /** Decode every queued data file into window.SITEGEN_RUNS, or SITEGEN_POINTS for a points file
      (data/points/<id>.js: every point of the long series; called by each file as it loads, and
      once here for files loaded before this script). A file that cannot be decoded is left out. */
  function unpackAll() {
    var queue = window.SITEGEN_PACKED;
    if (!queue) return;
    window.SITEGEN_RUNS = window.SITEGEN_RUNS || {};
    window.SITEGEN_POINTS = window.SITEGEN_POINTS || {};
    while (queue.length) {
      var item = queue.shift(), into = item[2] === "points" ? window.SITEGEN_POINTS : window.SITEGEN_RUNS;
      try { into[item[0]] = decode(item[1]); } catch (e) { console.error("sitegen: data file of " + item[0] + ": " + e); }
    }
  }

  if (typeof window !== "undefined") unpackAll();
  return {decode: decode, shortest: shortest, unpackAll: unpackAll};
})();
if (typeof module !== "undefined") module.exports = SitegenRunPack;
