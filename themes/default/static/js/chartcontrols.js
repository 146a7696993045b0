/* sitegen: charts with controls. Each chart has its own options (y log, x log for scatters,
   smoothing, x axis step / wall time / time since the start, ignore outliers, points) and exports
   (PNG and SVG through Vega's own view.toImageURL / view.toSVG, CSV of the rows drawn); a bar above
   them sets the options of every chart of the page. All of it lives in the URL fragment
   (SitegenState): "charts=<settings>" for the page, "c:<chart id>=<settings>" for one chart changed
   on its own (settings text: SitegenChartMath.formatSettings). */
var SitegenChartControls = (function () {
  "use strict";
  var M = SitegenChartMath, el = SitegenDom.el;
  var PAGE_KEY = "charts";
  var charts = [];   // every chart of the page made here
  var bar = null;    // the page-wide settings bar

  var OPTIONS = {    // which options a kind of chart has
    curves: ["ylog", "smooth", "x", "clip", "points"],
    values: ["ylog", "clip"],
    scatter: ["ylog", "xlog", "clip"],
    bars: ["ylog", "clip"]
  };

  function pageSettings() { return M.parseSettings(SitegenState.get(PAGE_KEY)); }
  function ownKey(chart) { return "c:" + chart.id; }

  /** The settings a chart draws with: its own when changed on it, else the page's. */
  function settingsOf(chart) {
    var own = SitegenState.get(ownKey(chart));
    return own != null ? M.parseSettings(own) : pageSettings();
  }

  function slug(text) { return String(text).replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^_+|_+$/g, "") || "chart"; }

  function download(name, href) {
    var a = el("a", {href: href, download: name});
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { document.body.removeChild(a); }, 0);
  }
  function blobUrl(text, type) { return URL.createObjectURL(new Blob([text], {type: type})); }

  /** Export a drawn chart: "png", "svg" or "csv" (the rows drawn, the chart's own fields). */
  function exportChart(chart, kind) {
    var name = slug(chart.title);
    if (kind === "csv") {
      download(name + ".csv", blobUrl(M.csv(chart.drawn.rows, chart.drawn.fields), "text/csv"));
      return Promise.resolve();
    }
    if (!chart.view) return Promise.resolve();
    if (kind === "svg") {
      return chart.view.toSVG().then(function (svg) { download(name + ".svg", blobUrl(svg, "image/svg+xml")); });
    }
    return chart.view.toImageURL("png", 2).then(function (url) { download(name + ".png", url); });
  }

  // ---- controls (the same for one chart and for the page)
  function control(kind, s, onChange, scope) {
    var id = "sg-" + scope + "-" + kind;
    var wrap = el("label", {"class": "opt opt-" + kind});
    var input;
    if (kind === "smooth") {
      wrap.appendChild(document.createTextNode("Smoothing "));
      input = el("input", {type: "range", min: "0", max: "0.99", step: "0.01", value: String(s.smooth),
                           "aria-label": "Smoothing", "data-opt": kind, id: id});
      var out = el("output", {"for": id}, s.smooth.toFixed(2));
      input.addEventListener("input", function () { out.textContent = Number(input.value).toFixed(2); });
      input.addEventListener("change", function () { onChange({smooth: Number(input.value)}); });
      wrap.appendChild(input); wrap.appendChild(out);
      return wrap;
    }
    function choice(text, name, options, current, value) {  // a <select>: [[value, label]]
      wrap.appendChild(document.createTextNode(text));
      input = el("select", {"data-opt": kind, "aria-label": name});
      options.forEach(function (o) {
        var opt = el("option", {value: o[0]}, o[1]);
        if (current === o[0]) opt.selected = true;
        input.appendChild(opt);
      });
      input.addEventListener("change", function () { var c = {}; c[kind] = value(input.value); onChange(c); });
      wrap.appendChild(input);
      return wrap;
    }
    if (kind === "x") {
      return choice("x: ", "x axis", [["step", "Step"], ["wall", "Wall time"], ["rel", "Time since start"]], s.x,
                    function (v) { return v; });
    }
    if (kind === "points") {
      return choice("Points ", "Points", [["auto", "auto"], ["on", "on"], ["off", "off"]],
                    s.points === true ? "on" : s.points === false ? "off" : "auto",
                    function (v) { return v === "on" ? true : v === "off" ? false : null; });
    }
    var labels = {ylog: "Log y", xlog: "Log x", clip: "Ignore outliers"};
    input = el("input", {type: "checkbox", "data-opt": kind});
    input.checked = !!s[kind];
    input.addEventListener("change", function () {
      var c = {}; c[kind] = input.checked; onChange(c);
    });
    wrap.appendChild(input);
    wrap.appendChild(document.createTextNode(" " + labels[kind]));
    if (kind === "clip") wrap.title = "Clip the y axis to the 1st-99th percentile of the values drawn";
    return wrap;
  }

  function tools(chart) {
    var row = el("div", {"class": "chart-tools"});
    var opts = el("details", {"class": "chart-options"});
    opts.appendChild(el("summary", null, "Options"));
    var inner = el("div", {"class": "opts"});
    opts.appendChild(inner);
    row.appendChild(opts);
    ["png", "svg", "csv"].forEach(function (k) {
      var b = el("button", {type: "button", "class": "export", "data-export": k, title: "Download " + k.toUpperCase()},
                 k.toUpperCase());
      b.addEventListener("click", function () { exportChart(chart, k); });
      row.appendChild(b);
    });
    chart.optionsBox = inner;
    fillOptions(chart);
    return row;
  }

  function fillOptions(chart) {
    var s = settingsOf(chart);
    if (s.xlog == null && chart.drawn && chart.drawn.xlog != null) s.xlog = chart.drawn.xlog;  // automatic: as drawn
    chart.optionsBox.textContent = "";
    OPTIONS[chart.kind].forEach(function (k) {
      chart.optionsBox.appendChild(control(k, s, function (change) {
        var next = Object.assign({}, settingsOf(chart), change);
        var ch = {}; ch[ownKey(chart)] = M.formatSettings(next) || "xstep";
        SitegenState.set(ch, {replace: true});
        redraw(chart);
      }, slug(chart.id)));
    });
  }

  // ---- drawing
  function make(chart) {
    var s = settingsOf(chart);
    return Promise.resolve(chart.make(s)).then(function (drawn) {
      chart.drawn = drawn;
      chart.settings = s;
      if (!drawn) return null;
      if (drawn.xlog != null && s.xlog == null) fillOptions(chart);  // the automatic x axis, shown as drawn
      chart.fig.setAttribute("data-settings", M.formatSettings(s));
      if (chart.noteBox) chart.noteBox.textContent = drawn.note || "";
      return drawn.spec;
    });
  }

  function redraw(chart) {
    if (!chart.started) return Promise.resolve();  // not drawn yet: it will draw with the new settings
    return SitegenCharts.drawNow(chart.box, function () { return make(chart); });
  }

  /** A chart with controls in container. def: {id (unique on the page), title, note, kind
      ("curves" | "values" | "scatter" | "bars"), make(settings) -> {spec, rows, fields, note} (or a
      promise of it, or null for nothing to draw)}. Drawn when it comes near the screen. */
  function add(container, def) {
    var chart = {id: def.id, title: def.title, kind: def.kind, make: def.make, view: null, drawn: null,
                 started: false};
    chart.box = SitegenCharts.box(container, def.title, def.note);
    chart.fig = chart.box.parentNode;
    chart.fig.setAttribute("data-chart", def.id);
    chart.fig.setAttribute("data-kind", def.kind);
    chart.noteBox = el("p", {"class": "muted small chart-note", "aria-live": "polite"});
    chart.fig.insertBefore(chart.noteBox, chart.box);
    chart.fig.insertBefore(tools(chart), chart.box);
    chart.box.addEventListener("sitegen:drawn", function (ev) { chart.view = ev.detail.view; });
    charts.push(chart);
    SitegenCharts.embed(chart.box, function () { chart.started = true; return make(chart); });
    return chart;
  }

  /** The bar that sets every chart of the page, placed before `before`. kinds: the options shown. */
  function settingsBar(before, kinds) {
    if (bar) return bar;
    var s = pageSettings();
    bar = el("div", {"class": "chart-settings", role: "group", "aria-label": "Settings of all charts"});
    bar.appendChild(el("strong", null, "All charts: "));
    var shown = kinds || ["ylog", "smooth", "x", "clip", "points"];
    shown.forEach(function (k) {
      bar.appendChild(control(k, s, function (change) {
        var next = Object.assign({}, pageSettings(), change);
        var ch = {}; ch[PAGE_KEY] = M.formatSettings(next);
        var touched = charts.filter(function (c) {  // charts this option means something to
          return Object.keys(change).some(function (k) { return OPTIONS[c.kind].indexOf(k) >= 0; });
        });
        touched.forEach(function (c) { ch[ownKey(c)] = null; });  // the page's setting wins over each chart's
        SitegenState.set(ch, {replace: true});
        touched.forEach(function (c) { fillOptions(c); redraw(c); });
      }, "page"));
    });
    before.parentNode.insertBefore(bar, before);
    return bar;
  }

  /** Draw the charts again (new runs chosen, a new grid filter): those drawn now, the rest later. */
  function refresh(filter) {
    return Promise.all(charts.filter(function (c) { return !filter || filter(c); }).map(redraw));
  }

  return {add: add, settingsBar: settingsBar, refresh: refresh, exportChart: exportChart, charts: charts,
          settingsOf: settingsOf, pageSettings: pageSettings};
})();
