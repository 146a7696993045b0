/* sitegen: learning curves across runs on the dashboard: per series, one line per run (the ticked
   runs, else the runs the grid shows, at most CAP), or per group of the grid's group-by its mean with
   a min-max band. A run's series load from data/runs/<id>.js (a <script> added when a chart draws:
   works from file://), once per page. */
var SitegenOverlay = (function () {
  "use strict";
  var M = SitegenChartMath, el = SitegenDom.el;
  var CAP = 50;          // runs drawn per chart at most
  var MAX_SERIES = 24;   // charts of learning curves at most (the first ones by name)
  var loading = {};      // run id -> promise of its data

  /** A run's data file, loaded once (resolves to the run's data, or null when it is missing). */
  function loadRun(id) {
    if (loading[id]) return loading[id];
    var have = (window.SITEGEN_RUNS || {})[id];
    if (have) return (loading[id] = Promise.resolve(have));
    loading[id] = SitegenDom.loadScript("data/runs/" + id + ".js").then(function () {
      return (window.SITEGEN_RUNS || {})[id] || null;
    });
    return loading[id];
  }

  /** A line of a run for SitegenChartMath.curveRows. */
  function lineOf(run, data, name) {
    var line = data && data.series[name];
    if (!line) return null;
    return {id: run.id, label: SitegenData.label(run), href: SitegenDom.runUrl(run.id), line: line,
            steps: SitegenData.lineSteps(line), start: Date.parse(data.start || run.start) || null,
            color: M.runColor(run.number, run.id, SitegenCharts.dark)};
  }

  /** What a group-by key (SitegenState "group") says of a run: its script, status, a parameter
      ("p:"), a tag ("t:") or a value ("v:"). */
  function groupValue(key, r) {
    if (key === "script" || key === "status") return r[key];
    var part = key.slice(0, 2), name = key.slice(2);
    var from = part === "p:" ? r.params : part === "t:" ? r.tags : part === "v:" ? r.values : null;
    var v = from && typeof from === "object" ? from[name] : undefined;
    return v == null ? "(none)" : String(v);
  }

  function rowsOfGroups(lines, runs, key, s) {
    var groups = new Map();
    lines.forEach(function (l, i) {
      var g = groupValue(key, runs[i]);
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(l);
    });
    var rows = [], names = [];
    Array.from(groups.keys()).sort().forEach(function (g, k) {
      var parts = M.curveRows(groups.get(g), s).rows;
      var byRun = new Map();
      parts.forEach(function (p) {
        if (!byRun.has(p.id)) byRun.set(p.id, {x: [], y: []});
        byRun.get(p.id).x.push(p.x); byRun.get(p.id).y.push(p.ys);
      });
      M.groupBand(Array.from(byRun.values())).forEach(function (b) {
        rows.push({group: g, x: b.x, mean: b.mean, min: b.min, max: b.max, std: b.std, n: b.n});
      });
      names.push({name: g, color: M.runColor(k + 1, g, SitegenCharts.dark)});
    });
    return {rows: rows, groups: names};
  }

  /** A chart of learning curves of series `name` over the runs that pick() chooses. pick() ->
      {runs, of, ticked, why}: ``why`` says which runs these are and how to change them. */
  function curvesChart(container, name, pick, groupKey, note0) {
    return SitegenChartControls.add(container, {
      id: "curves:" + name, title: name, kind: "curves", note: note0,
      make: function (s) {
        var chosen = pick();
        var runs = chosen.runs.filter(function (r) { return r.values == null || name in r.values; });
        return Promise.all(runs.map(function (r) { return loadRun(r.id); })).then(function (datas) {
          var lines = [], used = [];
          runs.forEach(function (r, i) {
            var l = lineOf(r, datas[i], name);
            if (l) { lines.push(l); used.push(r); }
          });
          if (!lines.length) return {spec: null, rows: [], fields: [], note: "No run chosen has this series."};
          var key = groupKey ? groupKey() : null;
          var o = {yTitle: name};
          if (key) {
            var g = rowsOfGroups(lines, used, key, s);
            return {spec: SitegenChartSpecs.bands(g.rows, g.groups, s, Object.assign(o, {groupTitle: key.replace(/^[ptv]:/, "")})),
                    rows: g.rows, fields: ["group", "x", "mean", "min", "max", "std", "n"],
                    note: "Mean and min-max band of " + g.groups.length + " groups of " + lines.length + " runs (" +
                          chosen.why + ")."};
          }
          // smoothed lines need fewer points (and the faint raw ones under them are context): both
          // at half the budget, so a smoothed chart costs what a plain one does
          var per = M.pointsPerLine(lines.length);
          if (s.smooth > 0) per = Math.max(40, per >> 1);
          var made = M.curveRows(lines, s, per);
          var points = s.points == null ? made.rows.length <= 300 : s.points;
          if (s.smooth > 0) {  // the faint raw lines: half the points (they are context, not the reading)
            o.raw = M.curveRows(lines, Object.assign({}, s, {smooth: 0}), per).rows;
          }
          var spec = SitegenChartSpecs.curves(made.rows, Object.assign({}, s, {points: points}), o);
          var note = chosen.why ? lines.length + " run" + (lines.length === 1 ? "" : "s") + " drawn: " + chosen.why + "." : "";
          if (made.noTimes.length) note += " " + made.noTimes.length + " without logging times not drawn on a time axis.";
          if (made.thinned) note += " " + made.thinned + " long line" + (made.thinned === 1 ? "" : "s") + " drawn with " + per +
            " points (extremes kept; smoothing uses every point).";
          return {spec: spec, rows: made.rows, fields: ["run", "id", "x", "y", "ys"], note: note, lines: lines};
        });
      }
    });
  }

  /** The dashboard's learning curves, in container: one chart per series, drawn from the ticked runs
      (SitegenState "sel") or else the runs the grid shows (SitegenGrid.current.rows()). */
  function dashboard(container, runs, data) {
    var byId = new Map(runs.map(function (r) { return [r.id, r]; }));
    var names = (data.series || []).filter(function (n) {
      if (n.indexOf("system/") === 0 && n !== data.primary) return false;  // system metrics: when chosen
      return runs.some(function (r) { return r.values && SitegenFormat.isNum(r.values[n]); });
    });
    if (!names.length) { container.appendChild(el("p", {"class": "muted"}, "No series logged yet.")); return; }
    if (names.length > MAX_SERIES) {
      container.appendChild(el("p", {"class": "muted"}, "Learning curves of the first " + MAX_SERIES + " of " +
        names.length + " series; each run's page shows all of its series."));
      names = names.slice(0, MAX_SERIES);
    }
    function groupKey() { var g = SitegenState.get("group"); return g || null; }
    function choose() {
      var ticked = SitegenState.getList("sel").map(function (id) { return byId.get(id); }).filter(Boolean);
      var grid = SitegenGrid.current;
      var shown = grid ? (grid.matching ? grid.matching() : grid.rows()) : runs;
      var p = M.pickRuns(ticked, shown, CAP);
      p.why = p.ticked ? "the ticked runs (untick them to draw the runs the grid shows)"
        : (p.of > CAP ? "the first " + CAP + " of the " + p.of + " runs the grid shows, in its order (filter the grid or tick runs to choose)"
                      : "the runs the grid shows (filter the grid or tick runs to choose)");
      p.key = p.runs.map(function (r) { return r.id; }).join(",") + "|" + groupKey();
      return p;
    }
    var drawnKey = null;  // the runs the charts drew last
    function pick() { var p = choose(); drawnKey = p.key; return p; }
    names.forEach(function (n) { curvesChart(container, n, pick, groupKey); });
    document.addEventListener("sitegen:view", function () {  // the grid's rows or ticks changed
      var drawn = SitegenChartControls.charts.some(function (c) { return c.kind === "curves" && c.started; });
      if (!drawn || choose().key === drawnKey) return;  // none drawn yet (they pick when they draw), or the same runs
      SitegenChartControls.refresh(function (c) { return c.kind === "curves"; });
    });
  }

  /** A run page's series, one chart each with its controls, from its data file (already loaded). */
  function runPage(id) {
    var data = (window.SITEGEN_RUNS || {})[id];
    var container = document.getElementById("charts-series");
    var system = document.getElementById("charts-system");  // system/… series: their own section
    if (!data || !(container || system)) return;
    var run = {id: id, number: data.number, name: data.name, start: data.start};
    if (container) SitegenChartControls.settingsBar(container);
    Object.keys(data.series).sort().forEach(function (name) {
      var into = name.indexOf("system/") === 0 ? system : container;
      if (!into) return;
      var line = data.series[name];
      var note = line.n > line.values.length ? line.values.length + " of " + line.n + " points drawn" : null;
      curvesChart(into, name, function () { return {runs: [run], of: 1, ticked: false, why: null}; }, null, note);
    });
  }

  return {dashboard: dashboard, runPage: runPage, curvesChart: curvesChart, loadRun: loadRun, lineOf: lineOf, CAP: CAP};
})();
