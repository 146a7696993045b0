/* sitegen: Vega-Lite specs for charts with controls, made from rows and the chart settings
   (SitegenChartMath.parseSettings). Pure: node-tested; the pages draw them (SitegenCharts). */
var SitegenChartSpecs = (function () {
  "use strict";
  var M = typeof SitegenChartMath !== "undefined" ? SitegenChartMath : require("./chartmath.js");
  var SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";  // a name, never fetched

  function base(height) {
    return {$schema: SCHEMA, width: "container", height: height || 220,
            autosize: {type: "fit-x", contains: "padding"}, background: null,
            config: {view: {stroke: null}, axis: {labelFontSize: 11, titleFontSize: 11}}};
  }

  /** The y encoding's scale for settings s over the values drawn: log, or clipped to the 1st-99th
      percentile ("ignore outliers"); {} when neither. */
  function yScale(s, values) {
    var scale = s.ylog ? {type: "log"} : {zero: false};
    if (s.clip) {
      var q = M.quantiles(values, 0.01, 0.99);
      if (q && q[1] > q[0]) scale.domain = q;
    }
    return scale;
  }

  /** Values as a log axis can draw them: <= 0 become gaps. */
  function forLog(v, s) { return s.ylog && !(v > 0) ? null : v; }

  var X_TITLES = {step: "Step", wall: "Wall time", rel: "Seconds since the run started"};

  /** Learning curves, one line per run: rows {id, run, x, y, ys, href, color} (ys: smoothed y);
      o: {yTitle, xTitle, height, raw (rows of the faint raw lines, when smoothing)}. With smoothing the raw line stays, faint, under the smooth one.
      Hovering a line highlights it and names its run; clicking opens the run. */
  function curves(rows, s, o) {
    var spec = base(o.height);
    var ys = rows.map(function (r) { return r.ys; });
    var x = {field: "x", type: s.x === "wall" ? "temporal" : "quantitative", title: o.xTitle || X_TITLES[s.x]};
    var color = {field: "color", type: "nominal", scale: null, legend: null};  // each row carries its run's colour
    var y = {field: "ys", type: "quantitative", title: o.yTitle, scale: yScale(s, ys)};
    spec.datasets = {curves: rows};
    spec.data = {name: "curves"};
    var layers = [];
    if (s.smooth > 0) {  // o.raw: rows of their own for the raw lines (fewer points), else the same rows
      var raw = {mark: {type: "line", strokeWidth: 1, opacity: 0.22, clip: true},
                 encoding: {x: x, y: Object.assign({}, y, {field: "y"}), color: color, detail: {field: "id"}}};
      if (o.raw) { spec.datasets.raw = o.raw; raw.data = {name: "raw"}; }
      layers.push(raw);
    }
    layers.push({
      params: [{name: "hover", select: {type: "point", fields: ["id"], on: "pointerover", clear: "pointerout"}}],
      mark: {type: "line", strokeWidth: 1.6, clip: true, cursor: "pointer"},
      encoding: {x: x, y: y, color: color, detail: {field: "id"},
                 opacity: {condition: {param: "hover", empty: true, value: 1}, value: 0.18},
                 href: {field: "href"},
                 tooltip: [{field: "run", type: "nominal", title: "Run"}]}});
    if (s.points) {
      layers.push({mark: {type: "point", filled: true, size: 14, clip: true},
                   encoding: {x: x, y: y, color: color,
                              tooltip: [{field: "run", type: "nominal", title: "Run"},
                                        {field: "x", type: x.type, title: x.title},
                                        {field: "y", type: "quantitative", title: o.yTitle}]}});
    }
    spec.layer = layers;
    return spec;
  }

  /** Group means with a min-max band: rows {group, x, mean, min, max, n}, groups [{name, color}]. */
  function bands(rows, groups, s, o) {
    var spec = base(o.height);
    var x = {field: "x", type: s.x === "wall" ? "temporal" : "quantitative", title: o.xTitle || X_TITLES[s.x]};
    var color = {field: "group", type: "nominal", title: o.groupTitle || "Group",
                 scale: {domain: groups.map(function (g) { return g.name; }), range: groups.map(function (g) { return g.color; })},
                 legend: {orient: "bottom", direction: "vertical"}};
    var vals = rows.map(function (r) { return r.mean; });
    var scale = yScale(s, vals.concat(rows.map(function (r) { return r.min; }), rows.map(function (r) { return r.max; })));
    spec.datasets = {bands: rows};
    spec.data = {name: "bands"};
    spec.layer = [
      {mark: {type: "area", opacity: 0.18, clip: true},
       encoding: {x: x, y: {field: "min", type: "quantitative", title: o.yTitle, scale: scale}, y2: {field: "max"}, color: color}},
      {mark: {type: "line", strokeWidth: 1.8, clip: true, tooltip: true},
       encoding: {x: x, y: {field: "mean", type: "quantitative", title: o.yTitle + " (mean)", scale: scale}, color: color}}
    ];
    return spec;
  }

  /** One value per run: rows {id, run, x, y, href, color}; x is the run number ("values") or another
      value ("scatter": x log when s.xlog, or automatically when x spans more than two decades). */
  function points(rows, s, o) {
    var spec = base(o.height);
    var xs = rows.map(function (r) { return r.x; }), yv = rows.map(function (r) { return r.y; });
    var xlog = o.scatter && (s.xlog === true || (s.xlog == null && M.spansDecades(xs, 2)));
    var x = {field: "x", type: "quantitative", title: o.xTitle, scale: {zero: false}};
    if (!o.scatter) x.axis = {format: "d"};
    if (xlog) x.scale = {type: "log"};
    var y = {field: "y", type: "quantitative", title: o.yTitle, scale: yScale(s, yv)};
    var big = rows.length > 1000;
    spec.data = {values: rows};
    spec.layer = [];
    if (!o.scatter) spec.layer.push({mark: {type: "line", opacity: big ? 0.12 : 0.35, clip: true},
                                     encoding: {x: x, y: y, detail: {field: "script"}}});
    spec.layer.push({mark: {type: "point", filled: true, size: big ? 10 : 60, opacity: big ? 0.5 : 0.9,
                            cursor: "pointer", clip: true},
                     encoding: {x: x, y: y, color: {field: "color", type: "nominal", scale: null, legend: null},
                                href: {field: "href"},
                                tooltip: [{field: "run", type: "nominal", title: "Run"},
                                          {field: "x", type: "quantitative", title: o.xTitle},
                                          {field: "y", type: "quantitative", title: o.yTitle}]}});
    return {spec: spec, xlog: xlog};
  }

  /** A bar per run for one metric (a comparison: each metric on its own axis). rows {run, id, y, color}. */
  function bars(rows, s, o) {
    var spec = base(o.height || 140);
    spec.data = {values: rows};
    var scale = yScale(s, rows.map(function (r) { return r.y; }));
    if (!s.ylog && !s.clip) scale.zero = true;
    spec.mark = {type: "bar", tooltip: true, clip: true};
    spec.encoding = {
      x: {field: "run", type: "nominal", title: null, sort: null, axis: {labelAngle: -40, labelLimit: 120}},
      y: {field: "y", type: "quantitative", title: o.yTitle, scale: scale},
      color: {field: "color", type: "nominal", scale: null, legend: null},
      tooltip: [{field: "run", type: "nominal", title: "Run"}, {field: "y", type: "quantitative", title: o.yTitle}]};
    return spec;
  }

  return {curves: curves, bands: bands, points: points, bars: bars, yScale: yScale, forLog: forLog,
          X_TITLES: X_TITLES};
})();
if (typeof module !== "undefined") module.exports = SitegenChartSpecs;
