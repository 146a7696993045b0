/* Report pages: draws the chart embeds (series across runs, a value against a parameter, parallel
   coordinates) from the data the build put in the page (#sg-report-data) and the runs' data files
   (window.SITEGEN_RUNS, for series). Tables and comparisons are plain HTML made by the build.
   Exposes SGReport: draw(), and drawn[i] = the run ids embed i drew (for tests and readers). */
(function () {
  "use strict";
  var R = window.SGReport = {drawn: {}, errors: {}};
  var DARK = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;

  function root() { return document.documentElement.getAttribute("data-root") || ""; }
  function runUrl(id) { return root() + "runs/" + id + ".html"; }  // ids are [A-Za-z0-9_.-]

  function lineSteps(line) {
    if (line.steps) return line.steps;
    var out = [];
    for (var i = 0; i < line.values.length; i++) out.push(line.start + i * (line.stride || 1));
    return out;
  }
  R.lineSteps = lineSteps;

  /* TensorBoard's smoothing: an exponential moving average, debiased at the start. */
  function smooth(values, weight) {
    var out = [], last = 0, n = 0;
    for (var i = 0; i < values.length; i++) {
      var v = values[i];
      if (v === null || !isFinite(v)) { out.push(null); continue; }
      last = last * weight + (1 - weight) * v; n++;
      out.push(weight > 0 ? last / (1 - Math.pow(weight, n)) : v);
    }
    return out;
  }
  R.smooth = smooth;

  /* The indexes of a line worth drawing at most ~max points: all of a short line; of a long one,
     the first, the last, and the lowest and highest of each of max/2 buckets (in order). A chart
     is a few hundred pixels wide: more points cost time and show nothing more. */
  function thin(values, max) {
    var n = values.length, out = [], i;
    if (n <= max) { for (i = 0; i < n; i++) out.push(i); return out; }
    var buckets = Math.floor(max / 2), size = n / buckets;
    out.push(0);
    for (var b = 0; b < buckets; b++) {
      var lo = -1, hi = -1, end = Math.min(n, Math.floor((b + 1) * size));
      for (i = Math.floor(b * size); i < end; i++) {
        var v = values[i];
        if (v === null || !isFinite(v)) continue;
        if (lo < 0 || v < values[lo]) lo = i;
        if (hi < 0 || v > values[hi]) hi = i;
      }
      if (lo >= 0) { if (lo < hi) { out.push(lo, hi); } else if (hi >= 0) { out.push(hi); if (lo !== hi) out.push(lo); } }
    }
    out.push(n - 1);
    return out.filter(function (x, k) { return k === 0 || x > out[k - 1]; });
  }
  R.thin = thin;
  var LINE_POINTS = 250;

  function config() {
    var c = {background: null, view: {stroke: null}, axis: {labelLimit: 180}, legend: {labelLimit: 260}};
    if (DARK) {
      var fg = "#c9d1db", line = "#3a4452";
      c.axis = {labelColor: fg, titleColor: fg, gridColor: line, domainColor: line, tickColor: line};
      c.legend = {labelColor: fg, titleColor: fg, labelLimit: 260};
    }
    return c;
  }

  function base(values, extra) {
    var spec = {width: "container", height: 280,
                data: {values: values}, config: config()};
    return Object.assign(spec, extra);
  }

  function seriesSpec(e, runs) {
    var values = [], ids = [];
    e.runs.forEach(function (id) {
      var run = (window.SITEGEN_RUNS || {})[id];
      var line = run && run.series && run.series[e.series];
      if (!line) return;
      ids.push(id);
      var steps = lineSteps(line), sm = e.smoothing > 0 ? smooth(line.values, e.smoothing) : null;
      thin(line.values, LINE_POINTS).forEach(function (i) {
        var v = line.values[i];
        if (v === null || (e.y === "log" && !(v > 0))) return;
        values.push({run: runs[id], url: runUrl(id), step: steps[i], value: v,
                     smooth: sm ? sm[i] : v});
      });
    });
    var y = {field: "value", type: "quantitative", title: e.series, scale: {type: e.y, zero: false}};
    var color = {field: "run", type: "nominal", title: "Run", sort: null};
    var tip = [{field: "run"}, {field: "step"}, {field: "value", format: ".6~g"}];
    var layers = [{mark: {type: "line", strokeWidth: 1.6, opacity: e.smoothing > 0 ? 0.25 : 1},
                   encoding: {x: {field: "step", type: "quantitative", title: "step"}, y: y, color: color,
                              detail: {field: "run"}, href: {field: "url"}, tooltip: tip}}];
    if (e.smoothing > 0) {
      layers.push({mark: {type: "line", strokeWidth: 2},
                   encoding: {x: {field: "step", type: "quantitative"},
                              y: {field: "smooth", type: "quantitative", scale: {type: e.y, zero: false}},
                              color: color, href: {field: "url"},
                              tooltip: tip.concat([{field: "smooth", title: "smoothed", format: ".6~g"}])}});
    }
    return [base(values, {layer: layers}), ids];
  }

  function valueSpec(e, runs) {
    var values = e.points.map(function (p) {
      return {run: runs[p[0]], url: runUrl(p[0]), x: p[1], y: p[2]};
    });
    var numeric = values.every(function (v) { return typeof v.x === "number"; });
    var spec = base(values, {
      mark: {type: "point", filled: true, size: 70, tooltip: true},
      encoding: {
        x: {field: "x", type: numeric ? "quantitative" : "nominal", title: e.x,
            scale: numeric ? {type: e.x_scale, zero: false} : undefined},
        y: {field: "y", type: "quantitative", title: e.value, scale: {type: e.y, zero: false}},
        href: {field: "url"},
        tooltip: [{field: "run", title: "Run"}, {field: "x", title: e.x}, {field: "y", title: e.value}]}});
    return [spec, e.points.map(function (p) { return p[0]; })];
  }

  /* Parallel coordinates: each column scaled to 0..1 (numbers by their range, text by its sorted
     values), one line per run, the column's extremes as labels. */
  function parallelSpec(e, runs) {
    var cols = e.columns, n = cols.length, values = [], labels = [];
    var scales = cols.map(function (_, j) {
      var vs = e.rows.map(function (r) { return r[j + 1]; }).filter(function (v) { return v !== null && v !== undefined; });
      var nums = vs.every(function (v) { return typeof v === "number" && isFinite(v); });
      if (nums && vs.length) {
        var lo = Math.min.apply(null, vs), hi = Math.max.apply(null, vs);
        labels.push({key: cols[j], pos: 0, text: String(+lo.toPrecision(4))},
                    {key: cols[j], pos: 1, text: String(+hi.toPrecision(4))});
        return function (v) { return typeof v === "number" ? (hi > lo ? (v - lo) / (hi - lo) : 0.5) : null; };
      }
      var cats = Array.from(new Set(vs.map(String))).sort();
      cats.forEach(function (c, i) { labels.push({key: cols[j], pos: cats.length > 1 ? i / (cats.length - 1) : 0.5, text: c}); });
      return function (v) {
        if (v === null || v === undefined) return null;
        var i = cats.indexOf(String(v));
        return cats.length > 1 ? i / (cats.length - 1) : 0.5;
      };
    });
    e.rows.forEach(function (r) {
      var colour = r[n + 1];
      cols.forEach(function (c, j) {
        var pos = scales[j](r[j + 1]);
        if (pos === null) return;
        values.push({run: runs[r[0]], url: runUrl(r[0]), key: c, order: j, pos: pos,
                     raw: r[j + 1] === null ? "" : String(r[j + 1]), colour: colour});
      });
    });
    var x = {field: "key", type: "nominal", sort: cols, title: null, axis: {labelAngle: 0, orient: "top", domain: false}};
    var colourNumeric = e.rows.every(function (r) { return typeof r[n + 1] === "number"; });
    var spec = base(values, {height: 300, layer: [
      {mark: {type: "rule", color: "#999"}, data: {values: cols.map(function (c) { return {key: c}; })},
       encoding: {x: x}},
      {mark: {type: "line", strokeWidth: 1.6, opacity: 0.8},
       encoding: {x: x, y: {field: "pos", type: "quantitative", axis: null, scale: {domain: [0, 1]}},
                  detail: {field: "run"}, order: {field: "order"}, href: {field: "url"},
                  color: {field: "colour", type: colourNumeric ? "quantitative" : "nominal", title: e.color},
                  tooltip: [{field: "run", title: "Run"}, {field: "key", title: "column"}, {field: "raw", title: "value"}]}},
      {mark: {type: "text", align: "left", dx: 4, fontSize: 10, color: "#777"}, data: {values: labels},
       encoding: {x: x, y: {field: "pos", type: "quantitative", scale: {domain: [0, 1]}}, text: {field: "text"}}}
    ]});
    return [spec, e.rows.map(function (r) { return r[0]; })];
  }

  var MAKERS = {series: seriesSpec, value: valueSpec, parallel: parallelSpec};

  /* Charts are drawn one after the other, top first, each in its own task: the page paints (and
     answers) between them. */
  function drawOne(box, made, i) {
    var fig = box.closest(".sg-embed"), t = performance.now();
    // SVG for ordinary charts (crisp, printable); canvas once there are thousands of marks
    var n = made[0].data.values.length;
    return window.vegaEmbed(box, made[0], {actions: false, renderer: n > 3000 ? "canvas" : "svg",
                                           loader: {target: "_self"}, tooltip: {theme: DARK ? "dark" : "light"}})
      .then(function () {
        R.drawn[i] = made[1]; R.times[i] = performance.now() - t;
        fig.setAttribute("data-drawn", made[1].length);
      })
      .catch(function (err) { R.errors[i] = String(err); box.textContent = "Chart failed: " + err.message; });
  }

  R.times = {};
  R.draw = function () {
    R.t0 = performance.now();
    var holder = document.getElementById("sg-report-data");
    if (!holder) return;
    var data = JSON.parse(holder.textContent);
    var jobs = [];
    Array.prototype.forEach.call(document.querySelectorAll(".sg-embed[data-embed] .sg-vega"), function (box) {
      var i = +box.closest(".sg-embed").getAttribute("data-embed"), e = data.embeds[i];
      if (!window.vegaEmbed) { box.textContent = "(charts need assets/vega-bundle.js)"; return; }
      jobs.push(function () { return drawOne(box, MAKERS[e.kind === "chart" ? e.mode : e.kind](e, data.runs), i); });
    });
    (function next() {
      var job = jobs.shift();
      if (job) job().then(function () { setTimeout(next, 0); });
    })();
    R.t1 = performance.now();
    if (window.katex) {
      Array.prototype.forEach.call(document.querySelectorAll(".report-body .math"), function (m) {
        try {
          window.katex.render(m.textContent, m, {displayMode: m.classList.contains("display"),
                                                 throwOnError: false, trust: false});
        } catch (err) { m.title = String(err); }
      });
    }
  };
})();
