/* sitegen: report pages. Draws the chart embeds from the data the build put in the page
   (#sg-report-data) with the charts' modules: learning curves (SitegenChartMath.curveRows,
   SitegenChartSpecs.curves: smoothing, log y, step / wall time / time since start), a value against
   a parameter (SitegenChartSpecs.points), parallel coordinates (SitegenParallel.draw: plain SVG);
   drawn near the screen by SitegenCharts (all before printing). Series come from the runs' data
   files (window.SITEGEN_RUNS). Tables and comparisons are plain HTML made by the build.
   SGReport.drawn[i]: the run ids embed i drew (for readers and tests). Every name is text. */
var SGReport = (function () {
  "use strict";
  var M = SitegenChartMath, S = SitegenChartSpecs, el = SitegenDom.el;
  var R = {drawn: {}, errors: {}};

  /** A legend under a chart: a swatch and a link per run (text, never markup). */
  function legend(fig, runs) {
    var box = el("p", {"class": "sg-legend small"});
    runs.forEach(function (r) {
      var a = el("a", {href: r.href});
      var sw = el("span", {"class": "sg-swatch"});
      sw.style.background = r.color;
      a.appendChild(sw);
      a.appendChild(document.createTextNode(r.label));
      box.appendChild(a);
    });
    fig.appendChild(box);
  }

  function series(e, labels, fig) {
    var s = {x: e.x, smooth: e.smoothing, ylog: e.y === "log", clip: false, points: false};
    var runs = [];
    e.runs.forEach(function (id) {
      var data = (window.SITEGEN_RUNS || {})[id], line = data && data.series[e.series];
      if (!line) return;
      runs.push({id: id, label: labels[id], href: SitegenDom.runUrl(id), line: line,
                 steps: SitegenData.lineSteps(line),
                 start: Date.parse(data.start) || null,
                 color: M.runColor(data.number, id, SitegenCharts.dark)});
    });
    var rows = M.curveRows(runs, s, M.pointsPerLine(runs.length)).rows;  // thinned as the dashboard's
    legend(fig, runs);
    return [S.curves(rows, s, {yTitle: e.series, height: 280}), runs.map(function (r) { return r.id; })];
  }

  function value(e, labels) {
    var rows = e.points.map(function (p) {
      return {id: p[0], run: labels[p[0]], x: p[1], y: p[2], href: SitegenDom.runUrl(p[0]), color: "#2457c5"};
    });
    var ids = e.points.map(function (p) { return p[0]; });
    var s = {ylog: e.y === "log", xlog: e.x_scale === "auto" ? null : e.x_scale === "log", clip: false};
    if (rows.every(function (r) { return typeof r.x === "number"; })) {
      return [S.points(rows, s, {scatter: true, xTitle: e.x, yTitle: e.value, height: 280}).spec, ids];
    }
    // text on x (an optimizer's name, say): one column of points per value
    return [{width: "container", height: 280, background: null, data: {values: rows},
             mark: {type: "point", filled: true, size: 70, cursor: "pointer"},
             encoding: {x: {field: "x", type: "nominal", title: e.x, sort: "ascending"},
                        y: {field: "y", type: "quantitative", title: e.value, scale: S.yScale(s, [])},
                        href: {field: "href"},
                        tooltip: [{field: "run", title: "Run"}, {field: "x", title: e.x}, {field: "y", title: e.value}]}},
            ids];
  }

  function parallel(e, box) {
    SitegenParallel.draw(box, e.rows, e.keys, {primary: e.color, href: function (r) { return SitegenDom.runUrl(r.id); }});
    return e.rows.map(function (r) { return r.id; });
  }

  function math() {
    if (!window.katex) return;
    Array.prototype.forEach.call(document.querySelectorAll(".report-body .math"), function (m) {
      try {
        window.katex.render(m.textContent, m, {displayMode: m.classList.contains("display"),
                                               throwOnError: false, trust: false});
      } catch (err) { m.title = String(err); }
    });
  }

  R.draw = function () {
    var holder = document.getElementById("sg-report-data");
    if (!holder) return;
    var data = JSON.parse(holder.textContent);
    Array.prototype.forEach.call(document.querySelectorAll(".sg-embed[data-embed] .sg-vega"), function (box) {
      var fig = box.closest(".sg-embed"), i = +fig.getAttribute("data-embed"), e = data.embeds[i];
      function done(ids) { R.drawn[i] = ids; fig.setAttribute("data-drawn", String(ids.length)); }
      try {
        if (e.kind === "parallel") { done(parallel(e, box)); return; }
        var made = e.mode === "series" ? series(e, data.runs, fig) : value(e, data.runs);
        box.addEventListener("sitegen:drawn", function () { done(made[1]); });
        SitegenCharts.embed(box, made[0]);
      } catch (err) {
        R.errors[i] = String(err);
        box.textContent = "Chart failed: " + err.message;
      }
    });
    math();
  };
  return R;
})();
