/* sitegen: the packed run data files (data/runs/<id>.js; the format: sitegen/site/runpack.py).
   Each file queues [id, base85] on window.SITEGEN_PACKED and calls unpackAll(), which decodes it at
   once (synchronously: fflate's inflate, base85, typed arrays) into the shape every page reads:
   window.SITEGEN_RUNS[id] = {id, number, name, ..., series: {name: {n, start, stride | steps, values,
   last, t0, tk, dt, v, x}}}, values a plain array (null for gaps; a float as the shortest decimal of
   its float32; v: "f" floats, "i"/"d" ints; x: the metrics.tsv text of points that are not numbers).
   Node-tested. */
var SitegenRunPack = (function () {
  "use strict";
  var F = typeof fflate !== "undefined" ? fflate : require("../vendor/fflate/fflate.min.js");
  var WIDTH = {i: 4, d: 8, f: 4};

  // base85: Python's base64.b85encode (RFC 1924's characters) with "<>&" written ",.:"
  var B85 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%:()*+-;,=.?@^_`{|}~";
  var DIGIT = new Uint8Array(128);
  for (var d = 0; d < 85; d++) DIGIT[B85.charCodeAt(d)] = d;

  /** The bytes of base85 text (a last group of k < 5 characters is k - 1 bytes, as Python's). */
  function bytes(s) {
    var n = s.length, size = Math.floor(n / 5) * 4 + (n % 5 ? n % 5 - 1 : 0);
    var out = new Uint8Array(Math.ceil(n / 5) * 4), o = 0;
    for (var i = 0; i < n; i += 5, o += 4) {
      var acc = 0;
      for (var j = i; j < i + 5; j++) acc = acc * 85 + (j < n ? DIGIT[s.charCodeAt(j)] : 84);
      out[o] = acc >>> 24; out[o + 1] = (acc >>> 16) & 255; out[o + 2] = (acc >>> 8) & 255; out[o + 3] = acc & 255;
    }
    return out.subarray(0, size);
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

  /** A data file's base85 text as the run (see the top of this file). */
  function decode(text) {
    var raw = F.inflateSync(bytes(text)), cut = raw.indexOf(10);
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
  return {decode: decode, shortest: shortest, unpackAll: unpackAll, base85: bytes};
})();
if (typeof module !== "undefined") module.exports = SitegenRunPack;
