/* sitegen: Vega-Lite charts drawn lazily (near the screen, one per task, never while the reader types),
   the charts across runs on the dashboard and the series on a run page. */
var SitegenCharts = (function () {
  "use strict";
  var el = SitegenDom.el, isNum = SitegenFormat.isNum;
  var MAX_CHARTS = 60;  // charts across runs (and scatters) drawn at most

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
  function draw(box, spec) {
    // SVG for ordinary charts (crisp, printable); canvas once there are thousands of marks
    var n = spec.data && spec.data.values ? spec.data.values.length : 0;
    if (DARK) spec.config = darkConfig(spec.config || {});
    var opts = {actions: false, renderer: n > 1500 ? "canvas" : "svg", loader: {target: "_self"},
                tooltip: {theme: DARK ? "dark" : "light"}};
    return window.vegaEmbed(box, spec, opts).catch(function (err) {
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

  /** Draw spec into box when it comes near the screen. */
  function embed(box, spec) {
    if (!window.vegaEmbed) { box.textContent = "(charts need assets/vega-bundle.js)"; return; }
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

  /** The dashboard's charts: one per value across runs, and the primary metric against the others. */
  function across(runs, page, data) {
    var acrossBox = document.getElementById("charts-across");
    var scatter = document.getElementById("charts-scatter");
    var names = page.scalars.filter(function (n) {
      return runs.some(function (r) { return isNum(r.values[n]); });
    });
    var seriesNames = (data.series || []).filter(function (n) {
      return names.indexOf(n) < 0 && runs.some(function (r) { return isNum(r.values[n]); });
    });
    function rowsFor(getter) {
      var out = [];
      runs.forEach(function (r) {
        var v = getter(r);
        if (isNum(v)) out.push(point(r, {value: v}));
      });
      return out;
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
    charted.forEach(function (n) {
      var s = spec("across");
      s.data.values = rowsFor(function (r) { return r.values[n]; });
      s.layer[0].encoding.y.title = n;
      s.layer[1].encoding.tooltip[3].title = n;
      embed(box(acrossBox, n, seriesNames.indexOf(n) >= 0 ? "last value of the series" : null), crowded(s));
    });
    var d = spec("across");
    d.data.values = rowsFor(function (r) { return r.duration; });
    d.layer[0].encoding.y.title = "seconds";
    d.layer[1].encoding.tooltip[3].title = "duration (s)";
    if (d.data.values.length) embed(box(acrossBox, "Duration (seconds)"), crowded(d));
    if (!acrossBox.children.length) acrossBox.appendChild(el("p", {"class": "muted"}, "No numeric values logged yet."));

    var primary = data.primary;
    if (primary && names.concat(seriesNames).indexOf(primary) >= 0) {
      charted.concat(["duration"]).forEach(function (n) {
        if (n === primary) return;
        var rows = [];
        runs.forEach(function (r) {
          var x = n === "duration" ? r.duration : r.values[n], y = r.values[primary];
          if (isNum(x) && isNum(y)) rows.push(point(r, {x: x, y: y}));
        });
        if (!rows.length) return;
        var s = spec("scatter");
        s.data.values = rows;
        s.encoding.x.title = n; s.encoding.y.title = primary;
        s.encoding.tooltip[3].title = n; s.encoding.tooltip[4].title = primary;
        embed(box(scatter, primary + " against " + n), crowded(s));
      });
    }
    if (!scatter.children.length) {
      scatter.appendChild(el("p", {"class": "muted"}, "A scatter plot needs the primary metric and another value."));
    }
  }

  /** A run page's series, one chart each, from its data file. */
  function runSeries(id) {
    var run = (window.SITEGEN_RUNS || {})[id];
    var container = document.getElementById("charts-series");
    if (!run || !container) return;
    Object.keys(run.series).sort().forEach(function (name) {
      var line = run.series[name], steps = SitegenData.lineSteps(line);
      var s = spec("series");
      var vals = [];
      for (var i = 0; i < steps.length; i++) vals.push({step: steps[i], value: line.values[i]});
      s.data.values = vals;
      delete s.encoding.color;
      s.encoding.y.title = name;
      var note = line.n > steps.length ? steps.length + " of " + line.n + " points drawn" : null;
      embed(box(container, name, note), s);
    });
  }

  return {embed: embed, spec: spec, box: box, across: across, runSeries: runSeries};
})();
