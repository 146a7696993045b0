/* sitegen: Vega-Lite charts drawn lazily (near the screen, one per task, never while the reader types;
   all at once before printing), and the dashboard's charts of one value per run. */
var SitegenCharts = (function () {
  "use strict";
  var el = SitegenDom.el, isNum = SitegenFormat.isNum;
  var MAX_CHARTS = 60;  // charts across runs (and scatters) drawn at most
  /** The note of a chart drawn from a summary of its runs (SitegenSample). */
  function sampleNote(drawn, of) {
    return drawn.toLocaleString("en") + " of " + of.toLocaleString("en") + " runs drawn: the extremes, the outline, " +
           "one per cell of a " + SitegenSample.CELLS + " × " + SitegenSample.CELLS + " grid and the ticked runs";
  }

  var lazy = null;
  var pending = new Map();
  var DARK = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  function darkConfig(config) {
    var fg = "#c9d1db", line = "#3a4452";
    config.axis = Object.assign({}, config.axis, {labelColor: fg, titleColor: fg, gridColor: line,
                                                  domainColor: line, tickColor: line});
    config.legend = Object.assign({}, config.legend, {labelColor: fg, titleColor: fg});
    config.title = Object.assign({}, config.title, {color: fg});
    config.range = {category: ["#7aa7ff", "#ffb454", "#5cc27f", "#ff8a7a", "#c792ea", "#4dd0e1",
                               "#f48fb1", "#d4e157", "#bcaaa4", "#90a4ae"]};
    return config;
  }
  // Vega: the page's own <script> tag, else assets/vega-bundle.js, added once the page is idle after
  // its first chart was made, or when a chart comes near the screen, whichever is first (the dashboard
  // and the comparisons: the page is ready before the 0.9 MB are loaded).
  // Then two tiny charts are drawn offscreen and removed, each in its own task: Vega's first chart
  // compiles Vega's own code (~0.1 s), which would otherwise be inside the first real chart's task.
  // A chart is then drawn in two tasks: Vega-Lite's compile, Vega's parse and the view's dataflow
  // graph in one, the dataflow's first run (data, marks, axes, SVG) in the next (LaterView).
  var BUNDLE = "assets/vega-bundle.js", ready = null, printing = false, LaterView = null;
  function nextTask() { return new Promise(function (resolve) { setTimeout(resolve, 0); }); }
  function idle(fn) {
    if (window.requestIdleCallback) window.requestIdleCallback(function () { fn(); }, {timeout: 2000});
    else setTimeout(fn, 200);
  }
  function warmUp(spec) {
    var box = el("div", {"class": "vega-warm", "aria-hidden": "true"});
    box.style.cssText = "position:absolute;left:-10000px;top:0;width:400px;visibility:hidden";
    document.body.appendChild(box);
    return window.vegaEmbed(box, spec, {actions: false, renderer: "svg", tooltip: false})
      .then(function (res) {
        if (!LaterView) LaterView = laterView(res.view.constructor);
        res.view.finalize();
      }, function () {})
      .then(function () { box.remove(); });
  }
  /** Vega's View class whose first run waits for the next task. */
  function laterView(View) {
    return class extends View {
      runAsync() {
        var args = arguments, self = this;
        if (this._sgRan) return super.runAsync.apply(this, args);
        this._sgRan = true;
        var run = super.runAsync;
        return nextTask().then(function () { return run.apply(self, args); });
      }
    };
  }
  function warmSpecs() {
    var rows = [0, 1].map(function (i) {
      return {id: "w", run: "w", x: i, y: i + 1, ys: i + 1, href: "#", color: "#888", number: i, value: i + 1,
              name: "w", script: "w"};
    });
    var curves = SitegenChartSpecs.curves(rows, SitegenChartMath.parseSettings(""), {yTitle: "y"});
    var across = spec("across");
    across.data.values = rows;
    return [curves, across];
  }
  /** A promise of Vega, loaded (if the page has not) and warmed up once a page: true, or false when
      assets/vega-bundle.js could not be loaded. */
  function preload() {
    if (ready) return ready;
    ready = (window.vegaEmbed ? Promise.resolve(true) : SitegenDom.loadScript(BUNDLE)).then(function (ok) {
      if (!ok || !window.vegaEmbed) return false;
      return warmSpecs().reduce(function (p, s) {
        return p.then(nextTask).then(function () { return warmUp(s); });
      }, Promise.resolve()).then(function () { return true; });
    });
    return ready;
  }

  /** Draw into box. spec: a Vega-Lite spec, or a function making one (or a promise of one, or null:
      nothing to draw) when the chart is drawn. The box then fires "sitegen:drawn" ({view}). */
  function draw(box, spec) {
    // printing: no warm-up (Vega draws in promise callbacks, before the printed page is laid out)
    return (printing && window.vegaEmbed ? Promise.resolve(true) : preload()).then(function (ok) {
      if (!ok) { box.textContent = "(charts need " + BUNDLE + ")"; return null; }
      return typeof spec === "function" ? spec() : spec;
    }).then(function (s) {
      if (!s) return null;
      // SVG for ordinary charts (crisp, printable); canvas once there are thousands of marks
      var n = s.data && s.data.values ? s.data.values.length : 0;
      if (s.datasets) for (var k in s.datasets) n += s.datasets[k].length;
      if (DARK) s.config = darkConfig(s.config || {});
      var opts = {actions: false, renderer: n > 1500 && !s.datasets ? "canvas" : "svg", loader: {target: "_self"},
                  tooltip: {theme: DARK ? "dark" : "light"}};
      if (LaterView && !printing) opts.viewClass = LaterView;
      function done(view) {
        box.setAttribute("data-drawn", String((Number(box.getAttribute("data-drawn")) || 0) + 1));
        box.dispatchEvent(new CustomEvent("sitegen:drawn", {detail: {view: view}}));
        return {view: view};
      }
      if (box._sgView) { box._sgView.finalize(); box._sgView = null; }
      return window.vegaEmbed(box, s, opts).then(function (res) {
        box._sgView = res.view;
        return done(res.view);
      });
    }).catch(function (err) {
      box.textContent = "Chart failed: " + err.message;
    });
  }
  // Charts draw after the page has loaded, one per task, when they come near the screen: the page
  // (and the runs grid) is usable at once even with 10,000 points per chart.
  // A chart takes one long task (~0.2-0.5 s at 10,000 points): none starts within 300 ms of the
  // reader typing or clicking, so the grid answers first (its filter waits 60 ms for typing to pause).
  var queue = [], loaded = document.readyState === "complete", busy = false, quietUntil = 0, waiting = false;
  ["input", "keydown", "pointerdown", "click", "wheel"].forEach(function (type) {
    document.addEventListener(type, function () { quietUntil = performance.now() + 300; },
                              {capture: true, passive: true});
  });
  function pump() {
    if (busy || !loaded || !queue.length || waiting) return;
    var wait = quietUntil - performance.now();
    if (wait > 0) {
      waiting = true;
      setTimeout(function () { waiting = false; pump(); }, wait);
      return;
    }
    busy = true;
    var job = queue.shift();
    Promise.resolve(draw(job[0], job[1])).then(function () {
      busy = false; setTimeout(pump, 0);
    });
  }
  if (!loaded) window.addEventListener("load", function () { loaded = true; setTimeout(pump, 0); });
  function schedule(box, spec) { queue.push([box, spec]); pump(); }

  /** Draw spec into box when it comes near the screen (spec: as for draw). */
  function embed(box, spec) {
    if (!ready) idle(preload);  // Vega loads once the page is idle, or when a chart comes near the screen
    if (!("IntersectionObserver" in window)) { schedule(box, spec); return; }
    if (!lazy) {
      lazy = new IntersectionObserver(function (entries) {
        entries.forEach(function (en) {
          if (en.isIntersecting && pending.has(en.target)) {
            var s = pending.get(en.target); pending.delete(en.target);
            lazy.unobserve(en.target); schedule(en.target, s);
          }
        });
      }, {rootMargin: "400px"});
    }
    pending.set(box, spec);
    lazy.observe(box);
  }

  /** Draw into box at once (a chart whose settings changed), replacing what it shows. */
  function drawNow(box, spec) {
    if (pending.has(box)) { pending.delete(box); if (lazy) lazy.unobserve(box); }
    queue = queue.filter(function (job) { return job[0] !== box; });
    return draw(box, spec);
  }

  /** Draw every chart not drawn yet, at once: before printing (or saving as PDF), a page shows all of
      its charts, not the empty boxes of those never scrolled to. Vega draws in promise callbacks,
      which run before the browser lays out the printed page. */
  function drawAll() {
    var jobs = queue.splice(0);
    pending.forEach(function (s, box) { if (lazy) lazy.unobserve(box); jobs.push([box, s]); });
    pending.clear();
    return Promise.all(jobs.map(function (job) { return draw(job[0], job[1]); }));
  }
  window.addEventListener("beforeprint", function () { printing = true; drawAll(); });
  window.addEventListener("afterprint", function () { printing = false; });

  /** A fresh copy of one of the spec templates in assets/specs.js. */
  function spec(name) { return JSON.parse(JSON.stringify(window.SITEGEN_SPECS[name])); }
  function crowded(s) {  // thousands of runs: small, translucent points
    if (s.data.values.length <= 1000) return s;
    var marks = s.layer ? s.layer.map(function (l) { return l.mark; }) : [s.mark];
    marks.forEach(function (m) {
      if (m.type === "point") { m.size = 10; m.opacity = 0.5; } else { m.opacity = 0.12; }
    });
    return s;
  }
  /** A captioned figure in container; returns the box to draw into. */
  function box(container, title, note) {
    var fig = el("figure", {"class": "chart"});
    fig.appendChild(el("figcaption", null, title));
    if (note) fig.appendChild(el("p", {"class": "muted small"}, note));
    var b = el("div", {"class": "vega-box"});
    fig.appendChild(b);
    container.appendChild(fig);
    return b;
  }

  function point(r, extra) {
    var o = {number: r.number, name: r.name, id: r.id, script: r.script, href: SitegenDom.runUrl(r.id)};
    for (var k in extra) o[k] = extra[k];
    return o;
  }

  /** A template's copy (see spec) with chart settings applied: y log / outliers clipped on every
      layer, x log for a scatter (set, or automatic when x spans more than two decades); rows a log
      axis cannot draw are left out. Returns {spec, xlog}. */
  function withSettings(s, settings, yField, scatter) {
    var M = SitegenChartMath, vals = s.data.values;
    var xs = vals.map(function (v) { return v.x; }), ys = vals.map(function (v) { return v[yField]; });
    var xlog = scatter && (settings.xlog === true || (settings.xlog == null && M.spansDecades(xs, 2)));
    var yscale = SitegenChartSpecs.yScale(settings, ys);
    (s.layer || [s]).forEach(function (l) {
      var e = l.encoding;
      if (e.y) e.y.scale = Object.assign({}, e.y.scale || {}, yscale);
      if (xlog && e.x) { e.x.scale = Object.assign({}, e.x.scale || {}, {type: "log"}); delete e.x.scale.zero; }
      l.mark = Object.assign({}, typeof l.mark === "string" ? {type: l.mark} : l.mark, {clip: true});
    });
    s.data.values = vals.filter(function (v) { return (!settings.ylog || v[yField] > 0) && (!xlog || v.x > 0); });
    return {spec: s, xlog: !!xlog};
  }

  /** The dashboard's charts: one per value across runs, and the primary metric against the others,
      each with its controls (SitegenChartControls). */
  function across(runs, page, data) {
    var acrossBox = document.getElementById("charts-across");
    var scatter = document.getElementById("charts-scatter");
    var names = page.scalars.filter(function (n) {
      return runs.some(function (r) { return isNum(r.values[n]); });
    });
    var seriesNames = (data.series || []).filter(function (n) {  // system/… only when chosen as primary
      if (n.indexOf("system/") === 0 && n !== data.primary) return false;
      return names.indexOf(n) < 0 && runs.some(function (r) { return isNum(r.values[n]); });
    });
    function ticked() { return new Set(SitegenState.getList("sel")); }
    function num(r) { return r.number; }
    function id(r) { return r.id; }
    /** The rows a chart of thousands of runs draws (SitegenSample.scatter: extremes, outline, one a
        cell, the ticked runs), and a note saying so; the rows are made for those runs only. */
    function sampled(x, y, make) {
      var got = SitegenSample.scatter(runs, x, y, {keep: ticked(), id: id});
      var note = got.items.length < got.of ? sampleNote(got.items.length, got.of) : null;
      return {rows: got.items.map(make), note: note};
    }
    function rowsFor(getter) {
      return sampled(num, getter, function (r) { return point(r, {value: getter(r)}); });
    }
    var charted = names.concat(seriesNames);
    if (charted.length > MAX_CHARTS) {  // thousands of values: chart the first ones, say so
      acrossBox.appendChild(el("p", {"class": "muted"}, "Charts for the first " + MAX_CHARTS + " of " +
        charted.length + " values; every value is in the runs grid (Columns) and on the run pages."));
      var keep = charted.slice(0, MAX_CHARTS);
      if (data.primary && keep.indexOf(data.primary) < 0 && charted.indexOf(data.primary) >= 0) {
        keep[MAX_CHARTS - 1] = data.primary;
      }
      charted = keep;
    }
    function valuesChart(id, title, note, yTitle, getter) {
      SitegenChartControls.add(acrossBox, {id: id, title: title, note: note, kind: "values", make: function (set) {
        var s = spec("across"), got = rowsFor(getter);
        s.data.values = got.rows;
        if (!s.data.values.length) return null;
        s.layer[0].encoding.y.title = yTitle;
        s.layer[1].encoding.tooltip[3].title = yTitle;
        s = withSettings(crowded(s), set, "value", false).spec;
        return {spec: s, rows: s.data.values, fields: ["number", "name", "id", "script", "value"],
                note: got.note};
      }});
    }
    charted.forEach(function (n) {
      valuesChart("across:" + n, n, seriesNames.indexOf(n) >= 0 ? "last value of the series" : null, n,
                  function (r) { return r.values[n]; });
    });
    if (runs.some(function (r) { return isNum(r.duration); })) {
      valuesChart("across:duration", "Duration (seconds)", null, "seconds", function (r) { return r.duration; });
    }
    if (!acrossBox.children.length) acrossBox.appendChild(el("p", {"class": "muted"}, "No numeric values logged yet."));

    var primary = data.primary;
    if (primary && names.concat(seriesNames).indexOf(primary) >= 0) {
      charted.concat(["duration"]).forEach(function (n) {
        if (n === primary) return;
        var xOf = n === "duration" ? function (r) { return r.duration; } : function (r) { return r.values[n]; };
        var yOf = function (r) { return r.values[primary]; };
        if (!runs.some(function (r) { return isNum(xOf(r)) && isNum(yOf(r)); })) return;
        SitegenChartControls.add(scatter, {id: "scatter:" + n, title: primary + " against " + n, kind: "scatter",
                                           make: function (set) {
          var s = spec("scatter");
          var got = sampled(xOf, yOf, function (r) { return point(r, {x: xOf(r), y: yOf(r)}); });
          s.data.values = got.rows;
          s.encoding.x.title = n; s.encoding.y.title = primary;
          s.encoding.tooltip[3].title = n; s.encoding.tooltip[4].title = primary;
          var made = withSettings(crowded(s), set, "y", true);
          return {spec: made.spec, rows: made.spec.data.values, fields: ["number", "name", "id", "script", "x", "y"],
                  xlog: made.xlog, note: got.note};
        }});
      });
    }
    if (!scatter.children.length) {
      scatter.appendChild(el("p", {"class": "muted"}, "A scatter plot needs the primary metric and another value."));
    }
  }

  return {sampleNote: sampleNote, preload: preload, embed: embed, drawNow: drawNow, drawAll: drawAll, spec: spec, box: box, across: across,
          dark: DARK};
})();
