/* sitegen: the run page's "All logged points" download, made in the browser from the run's data
   files (no metrics/<id>.tsv.gz is published unless the config's publish_metrics_tsv says so): a TSV
   like metrics.tsv (name as JSON, step, value, unix time), scalars first, then each series in name
   order. Series longer than the chart's 2,500 points come from data/points/<id>.js, loaded on
   demand. Precision: ints exact; other values as float32 (the shortest decimal of it; the last
   point of a series exact); NaN, inf, strings and bools as logged; times to the millisecond,
   exact for at most 100 points a series and placed linearly in between. tsv() is pure; node-tested. */
var SitegenDownload = (function () {
  "use strict";

  /** A float as Python's repr writes it in metrics.tsv: the shortest digits (as JavaScript's), with a
      ".0" on whole numbers (a reader tells them from ints), "-0.0", and an exponent ("1e-05",
      "1.5e+16") below 1e-4 and from 1e16 on. */
  function pythonFloat(v) {
    if (!isFinite(v)) return v !== v ? "nan" : (v > 0 ? "inf" : "-inf");
    if (Object.is(v, -0)) return "-0.0";
    var parts = Math.abs(v).toExponential().split("e");
    var digits = parts[0].replace(".", ""), exp = Number(parts[1]), out;
    if (exp < -4 || exp >= 16) {
      var e = Math.abs(exp);
      out = digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "") +
        "e" + (exp < 0 ? "-" : "+") + (e < 10 ? "0" : "") + e;
    } else if (exp < 0) {
      out = "0." + "0".repeat(-exp - 1) + digits;
    } else if (digits.length <= exp + 1) {
      out = digits + "0".repeat(exp + 1 - digits.length) + ".0";
    } else {
      out = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
    }
    return (v < 0 ? "-" : "") + out;
  }

  function numberText(v, isFloat) { return isFloat ? pythonFloat(v) : String(v); }

  /** A scalar as metrics.tsv writes it (data files name non-finite floats "NaN", "inf", "-inf";
      ``isFloat``: the run's data file lists it in ``scalar_f``, a float in metrics.tsv). */
  function scalarText(v, isFloat) {
    if (v === "NaN") return "nan";
    if (v === "inf" || v === "-inf") return v;
    if (typeof v === "number") return numberText(v, isFloat);
    if (typeof v === "boolean") return v ? "true" : "false";
    return JSON.stringify(String(v));
  }

  function seconds(ms) { return ms == null ? "" : (Math.round(ms) / 1000).toFixed(3); }

  function seriesRows(name, line, out) {
    var steps = SitegenData.lineSteps(line), times = SitegenChartMath.times(line), x = line.x || {};
    var n = line.values.length, key = JSON.stringify(name), isFloat = line.v === "f";
    for (var i = 0; i < n; i++) {
      var text = x[i] != null ? x[i] : numberText(i === n - 1 && line.last != null ? line.last : line.values[i], isFloat);
      out.push(key + "\t" + steps[i] + "\t" + text + "\t" + seconds(times && times[i]) + "\n");
    }
  }

  /** The TSV of a run (its data file as decoded) and, for its long series, its points file. */
  function tsv(run, points) {
    var out = [], st = run.scalar_t || {}, floats = {};
    (run.scalar_f || []).forEach(function (k) { floats[k] = true; });
    Object.keys(run.scalars || {}).sort().forEach(function (k) {
      out.push(JSON.stringify(k) + "\t0\t" + scalarText(run.scalars[k], floats[k] === true) + "\t" + seconds(st[k]) + "\n");
    });
    var full = (points && points.series) || {};
    Object.keys(run.series || {}).sort().forEach(function (k) {
      seriesRows(k, full[k] || run.series[k], out);
    });
    return out.join("");
  }

  function needsPoints(run) {
    return Object.keys(run.series || {}).some(function (k) { return run.series[k].n > run.series[k].values.length; });
  }

  function loadPoints(id, done) {
    if ((window.SITEGEN_POINTS || {})[id]) return done(window.SITEGEN_POINTS[id]);
    var s = document.createElement("script");
    s.src = SitegenDom.url("data/points/" + id + ".js");
    s.onload = function () { done((window.SITEGEN_POINTS || {})[id] || null); };
    s.onerror = function () { done(null); };
    document.head.appendChild(s);
  }

  function save(text, name) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], {type: "text/tab-separated-values"}));
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 60000);
  }

  /** The run page's button (shown once the run's data file is here). */
  function attach(id) {
    var button = document.querySelector("button.metrics-download");
    var run = (window.SITEGEN_RUNS || {})[id];
    if (!button || !run) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var name = id + ".metrics.tsv";
      if (!needsPoints(run)) return save(tsv(run, null), name);
      button.disabled = true;
      loadPoints(id, function (points) {
        button.disabled = false;
        save(tsv(run, points), name);
      });
    });
  }

  return {tsv: tsv, attach: attach, pythonFloat: pythonFloat};
})();
if (typeof module !== "undefined") module.exports = SitegenDownload;
