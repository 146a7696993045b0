/* sitegen: a sweep's parameters and metrics: parallel coordinates (one line per run, coloured by the
   primary metric, with a legend; drag along an axis to brush it) and a scatter with axis pickers.
   On the dashboard, brushing filters the grid: the brushes become a query in the filter box
   (params."rate" >= 0.1 and ...), so the address says so (q=, and brush= for the brushes drawn).
   In comparisons they show the compared runs. Drawn as plain SVG (parallel) and Vega-Lite (scatter);
   every name is text (textContent, SVG <text>), never markup. */
var SitegenParallel = (function () {
  "use strict";
  var browser = typeof document !== "undefined";
  var el = browser ? SitegenDom.el : null;
  var M = browser ? SitegenChartMath : require("./chartmath.js");
  function isNum(v) { return typeof v === "number" && isFinite(v); }
  var SVG = "http://www.w3.org/2000/svg";
  var MAX_AXES = 8, MAX_LINES = 2000, H = 260, PAD_T = 34, PAD_B = 26;
  var VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];

  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) if (attrs[k] != null) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = String(text);
    return e;
  }

  /** The colour of t in 0..1 on the viridis ramp. */
  function ramp(t) {
    if (!isNum(t)) return "#999999";
    var x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1), i = Math.min(VIRIDIS.length - 2, Math.floor(x)), f = x - i;
    function ch(c, k) { return parseInt(c.slice(1 + 2 * k, 3 + 2 * k), 16); }
    var out = "#";
    for (var k = 0; k < 3; k++) {
      var v = Math.round(ch(VIRIDIS[i], k) + f * (ch(VIRIDIS[i + 1], k) - ch(VIRIDIS[i], k)));
      out += (v < 16 ? "0" : "") + v.toString(16);
    }
    return out;
  }

  /** The dimensions of runs ({params, metrics}): [{key ("p:name" | "m:name"), name, part, values}]. */
  function dimensions(runs) {
    var seen = {};
    runs.forEach(function (r) {
      [["p", r.params], ["m", r.metrics]].forEach(function (pm) {
        Object.keys(pm[1] || {}).forEach(function (n) {
          var v = pm[1][n];
          if (v == null || typeof v === "object") return;
          var key = pm[0] + ":" + n;
          (seen[key] = seen[key] || {key: key, name: n, part: pm[0] === "p" ? "params" : "metrics", n: 0}).n++;
        });
      });
    });
    return Object.keys(seen).sort(function (a, b) { return a.charAt(0) === b.charAt(0) ? (a < b ? -1 : 1) : (a.charAt(0) === "p" ? -1 : 1); })
      .map(function (k) { return seen[k]; });
  }

  function valueOf(r, key) {
    var from = key.charAt(0) === "p" ? r.params : r.metrics;
    return from ? from[key.slice(2)] : undefined;
  }

  /** A scale for one axis over the runs' values: numbers (log past two decades) or categories. */
  function axisScale(runs, key) {
    var vals = runs.map(function (r) { return valueOf(r, key); }).filter(function (v) { return v != null; });
    var nums = vals.filter(isNum);
    if (nums.length === vals.length && nums.length) {
      var lo = Math.min.apply(null, nums), hi = Math.max.apply(null, nums);
      var log = M.spansDecades(nums, 2);
      var f = log ? Math.log10 : function (x) { return x; };
      var a = f(lo), b = f(hi);
      return {kind: "num", lo: lo, hi: hi, log: log,
              at: function (v) { return isNum(v) && (!log || v > 0) ? (b > a ? (f(v) - a) / (b - a) : 0.5) : null; },
              value: function (t) { var x = a + t * (b - a); return log ? Math.pow(10, x) : x; },
              ticks: [lo, hi]};
    }
    var cats = Array.from(new Set(vals.map(String))).sort();
    return {kind: "cat", cats: cats,
            at: function (v) { var i = v == null ? -1 : cats.indexOf(String(v)); return i < 0 ? null : (cats.length > 1 ? i / (cats.length - 1) : 0.5); },
            ticks: cats};
  }

  /** Query text for brushes {key: [lo, hi]} (numbers) or {key: [values]} (categories). */
  function brushQuery(brushes) {
    var parts = [];
    Object.keys(brushes).sort().forEach(function (key) {
      var name = (key.charAt(0) === "p" ? "params." : "metrics.") + JSON.stringify(key.slice(2));
      var b = brushes[key];
      if (b.cats) {
        var any = b.cats.map(function (c) { return name + " = " + JSON.stringify(c); });
        parts.push(any.length > 1 ? "(" + any.join(" or ") + ")" : any[0]);
      } else parts.push(name + " >= " + fmtNum(b[0]) + " and " + name + " <= " + fmtNum(b[1]));
    });
    return parts.join(" and ");
  }
  function fmtNum(v) { return String(Number(v.toPrecision(6))); }

  /** brush= text: key:lo:hi entries joined by ";" (categories: key:=a|b). */
  function formatBrushes(brushes) {
    return Object.keys(brushes).sort().map(function (k) {
      var b = brushes[k];
      return encodeURIComponent(k) + ":" + (b.cats ? "=" + b.cats.map(encodeURIComponent).join("|") : fmtNum(b[0]) + ":" + fmtNum(b[1]));
    }).join(";");
  }
  function parseBrushes(text) {
    var out = {};
    String(text || "").split(";").forEach(function (part) {
      var i = part.indexOf(":");
      if (i <= 0) return;
      var key, rest;
      try { key = decodeURIComponent(part.slice(0, i)); } catch (e) { return; }
      rest = part.slice(i + 1);
      if (rest.charAt(0) === "=") {
        try { out[key] = {cats: rest.slice(1).split("|").map(decodeURIComponent)}; } catch (e) { /* bad: skip */ }
        return;
      }
      var nums = rest.split(":").map(Number);
      if (nums.length === 2 && nums.every(isFinite)) out[key] = [Math.min(nums[0], nums[1]), Math.max(nums[0], nums[1])];
    });
    return out;
  }

  function primaryScale(runs, primary) {
    var vals = runs.map(function (r) { return valueOf(r, "m:" + primary); }).filter(isNum);
    var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
    return {lo: lo, hi: hi, color: function (r) {
      var v = valueOf(r, "m:" + primary);
      return isNum(v) ? ramp(hi > lo ? (v - lo) / (hi - lo) : 0.5) : "#999999";
    }};
  }

  function legend(box, primary, ps) {
    var row = el("div", {"class": "pc-legend"});
    row.appendChild(el("span", null, "Colour: " + primary + " "));
    row.appendChild(el("span", {"class": "num"}, SitegenFormat.value(ps.lo)));
    var bar = el("span", {"class": "pc-ramp", "aria-hidden": "true"});
    bar.style.background = "linear-gradient(to right, " + VIRIDIS.join(", ") + ")";
    row.appendChild(bar);
    row.appendChild(el("span", {"class": "num"}, SitegenFormat.value(ps.hi)));
    box.appendChild(row);
  }

  /** Parallel coordinates of runs over the chosen dimension keys, in box. opts: {primary,
      brushes, onBrush(brushes) (null: no brushing), href(run)}. */
  function draw(box, runs, keys, opts) {
    box.textContent = "";
    var width = Math.max(320, box.clientWidth || 800), n = keys.length;
    if (n < 2) { box.appendChild(el("p", {"class": "muted"}, "Pick two or more axes.")); return; }
    var left = 60, right = 60, step = (width - left - right) / (n - 1);
    var scales = keys.map(function (k) { return axisScale(runs, k); });
    var ps = opts.primary ? primaryScale(runs, opts.primary) : null;
    var root = svg("svg", {width: width, height: H, viewBox: "0 0 " + width + " " + H, "class": "pc",
                           role: "img", "aria-label": "Parallel coordinates of " + runs.length + " runs"});
    function y(t) { return PAD_T + (1 - t) * (H - PAD_T - PAD_B); }
    var brushes = opts.brushes || {};
    function inside(r) {
      return keys.every(function (k, i) {
        var b = brushes[k];
        if (!b) return true;
        var v = valueOf(r, k);
        return b.cats ? v != null && b.cats.indexOf(String(v)) >= 0 : isNum(v) && v >= b[0] && v <= b[1];
      });
    }
    var lines = svg("g", {"class": "pc-lines"});
    var drawnRuns = runs.length > MAX_LINES ? SitegenSample.lines(runs, MAX_LINES, keys.map(function (k) {
      return function (r) { return valueOf(r, k); };
    })) : runs;
    drawnRuns.forEach(function (r) {
      var pts = [];
      keys.forEach(function (k, i) {
        var t = scales[i].at(valueOf(r, k));
        if (t != null) pts.push((left + i * step).toFixed(1) + "," + y(t).toFixed(1));
      });
      if (pts.length < 2) return;
      var on = inside(r);
      var line = svg("polyline", {points: pts.join(" "), fill: "none", stroke: on && ps ? ps.color(r) : (on ? "#2457c5" : "#9aa5b3"),
                                  "stroke-width": on ? 1.6 : 1, opacity: on ? 0.85 : 0.25, "data-id": r.id,
                                  "class": on ? "pc-line in" : "pc-line out"});
      line.appendChild(svg("title", null, SitegenData.label(r)));
      if (opts.href) line.addEventListener("click", function () { location.href = opts.href(r); });
      lines.appendChild(line);
    });
    root.appendChild(lines);
    keys.forEach(function (k, i) {
      var x = left + i * step, sc = scales[i];
      var g = svg("g", {"class": "pc-axis", "data-key": k});
      g.appendChild(svg("line", {x1: x, x2: x, y1: PAD_T, y2: H - PAD_B, stroke: "currentColor", "stroke-width": 1}));
      var name = k.slice(2) + (sc.log ? " (log)" : "");
      g.appendChild(svg("text", {x: x, y: 14, "text-anchor": "middle", "class": "pc-name"}, name.length > 22 ? name.slice(0, 21) + "…" : name));
      g.appendChild(svg("text", {x: x, y: 26, "text-anchor": "middle", "class": "pc-part"}, k.charAt(0) === "p" ? "parameter" : "metric"));
      if (sc.kind === "num") {
        g.appendChild(svg("text", {x: x + 4, y: y(1) + 4, "class": "pc-tick"}, SitegenFormat.value(sc.hi)));
        g.appendChild(svg("text", {x: x + 4, y: y(0), "class": "pc-tick"}, SitegenFormat.value(sc.lo)));
      } else {
        sc.cats.slice(0, 12).forEach(function (c) {
          g.appendChild(svg("text", {x: x + 4, y: y(sc.at(c)) + 4, "class": "pc-tick"}, c.length > 14 ? c.slice(0, 13) + "…" : c));
        });
      }
      var b = brushes[k];
      if (b && sc.kind === "num") {
        var t0 = sc.at(b[0]), t1 = sc.at(b[1]);
        if (t0 != null && t1 != null) {
          g.appendChild(svg("rect", {x: x - 7, width: 14, y: y(Math.max(t0, t1)), height: Math.max(2, Math.abs(y(t0) - y(t1))),
                                     "class": "pc-brush"}));
        }
      }
      if (opts.onBrush) brushable(g, x, k, sc, y, brushes, opts.onBrush);
      root.appendChild(g);
    });
    box.appendChild(root);
    if (ps && isFinite(ps.lo)) legend(box, opts.primary, ps);
    box.setAttribute("data-drawn", String((Number(box.getAttribute("data-drawn")) || 0) + 1));
  }

  /** Drag along an axis to brush it (a click clears it). */
  function brushable(g, x, key, sc, y, brushes, onBrush) {
    var hit = svg("rect", {x: x - 12, width: 24, y: PAD_T - 4, height: H - PAD_T - PAD_B + 8, fill: "transparent",
                           "class": "pc-hit", "data-key": key});
    hit.style.cursor = "ns-resize";
    g.appendChild(hit);
    var start = null, rect = null;
    function t(ev) {
      var box = hit.ownerSVGElement.getBoundingClientRect();
      return 1 - (ev.clientY - box.top - PAD_T) / (H - PAD_T - PAD_B);
    }
    hit.addEventListener("pointerdown", function (ev) {
      start = t(ev);
      hit.setPointerCapture(ev.pointerId);
      rect = svg("rect", {x: x - 7, width: 14, y: y(start), height: 1, "class": "pc-brush"});
      g.appendChild(rect);
      ev.preventDefault();
    });
    hit.addEventListener("pointermove", function (ev) {
      if (start == null) return;
      var now = t(ev);
      rect.setAttribute("y", y(Math.max(start, now)));
      rect.setAttribute("height", Math.max(1, Math.abs(y(start) - y(now))));
    });
    hit.addEventListener("pointerup", function (ev) {
      if (start == null) return;
      var end = t(ev), a = Math.max(0, Math.min(start, end)), b = Math.min(1, Math.max(start, end));
      start = null;
      var next = Object.assign({}, brushes);
      if (b - a < 0.01) delete next[key];
      else if (sc.kind === "num") next[key] = [sc.value(a), sc.value(b)];
      else next[key] = {cats: sc.cats.filter(function (c) { var p = sc.at(c); return p >= a && p <= b; })};
      onBrush(next);
    });
  }

  function pickerBox(dims, chosen, onChange) {
    var d = el("details", {"class": "pc-axes"});
    d.appendChild(el("summary", null, "Axes (" + chosen.length + " of " + dims.length + ")"));
    var list = el("div", {"class": "columns-list"});
    dims.forEach(function (dim) {
      var lab = el("label");
      var b = el("input", {type: "checkbox", "data-key": dim.key});
      b.checked = chosen.indexOf(dim.key) >= 0;
      b.addEventListener("change", function () {
        var keys = dims.map(function (x) { return x.key; }).filter(function (k) {
          var box = list.querySelector('input[data-key="' + CSS.escape(k) + '"]');
          return box && box.checked;
        });
        onChange(keys);
      });
      lab.appendChild(b);
      lab.appendChild(document.createTextNode(" " + dim.name + (dim.part === "params" ? " (parameter)" : "")));
      list.appendChild(lab);
    });
    d.appendChild(list);
    return d;
  }

  /** The parameters that vary first (at most MAX_AXES - 1), then the primary metric. */
  function defaultKeys(dims, primary, runs) {
    function kinds(key) { return new Set(runs.map(function (r) { return String(valueOf(r, key)); })).size; }
    var ps = dims.filter(function (d) { return d.part === "params"; });
    var varied = ps.filter(function (d) { return kinds(d.key) > 1; });
    var params = (varied.length ? varied : ps).slice(0, MAX_AXES - 1).map(function (d) { return d.key; });
    var pm = primary && dims.some(function (d) { return d.key === "m:" + primary; }) ? ["m:" + primary]
      : dims.filter(function (d) { return d.part === "metrics"; }).slice(0, 1).map(function (d) { return d.key; });
    var keys = params.concat(pm);
    return keys.length >= 2 ? keys : dims.slice(0, MAX_AXES).map(function (d) { return d.key; });
  }

  /** The scatter of two chosen dimensions (pickers above it), coloured by the primary metric. */
  function scatter(container, runs, dims, primary, stateKey, initial) {
    var keys = dims.map(function (d) { return d.key; });
    var spread = dims.filter(function (d) { return d.part === "params"; }).map(function (d) {  // the parameter varied most
      var vals = runs.map(function (r) { return valueOf(r, d.key); }).filter(isNum);
      return [new Set(vals).size, d.key];
    }).sort(function (a, b) { return b[0] - a[0]; });
    var pick = {x: initial.x && keys.indexOf(initial.x) >= 0 ? initial.x : (spread.length && spread[0][0] ? spread[0][1] : keys[0]),
                y: initial.y && keys.indexOf(initial.y) >= 0 ? initial.y : (primary && keys.indexOf("m:" + primary) >= 0 ? "m:" + primary : keys[1])};
    var ps = primary ? primaryScale(runs, primary) : null;
    var chart = SitegenChartControls.add(container, {
      id: "sweep-scatter", title: "Scatter", kind: "scatter",
      make: function (s) {
        var rows = [];
        var fx = function (r) { return valueOf(r, pick.x); }, fy = function (r) { return valueOf(r, pick.y); };
        SitegenSample.scatter(runs, fx, fy).items.forEach(function (r) {  // ~1,100 points at most
          rows.push({id: r.id, run: SitegenData.label(r), x: fx(r), y: fy(r), href: SitegenDom.runUrl(r.id),
                     color: ps ? ps.color(r) : M.runColor(r.number, r.id, SitegenCharts.dark)});
        });
        if (!rows.length) return {spec: null, rows: [], fields: [], note: "No run has both values as numbers."};
        var made = SitegenChartSpecs.points(rows, s, {scatter: true, xTitle: pick.x.slice(2), yTitle: pick.y.slice(2)});
        return {spec: made.spec, rows: rows, fields: ["run", "id", "x", "y"], xlog: made.xlog,
                note: (ps ? "Colour: " + primary + " (dark: low, yellow: high). " : "") + (made.xlog ? "x on a log scale." : "")};
      }
    });
    var row = el("div", {"class": "pc-pickers"});
    ["x", "y"].forEach(function (axis) {
      var lab = el("label", null, axis + ": ");
      var sel = el("select", {"data-axis": axis, "aria-label": axis + " axis"});
      dims.forEach(function (d) {
        var o = el("option", {value: d.key}, d.name + (d.part === "params" ? " (parameter)" : ""));
        if (d.key === pick[axis]) o.selected = true;
        sel.appendChild(o);
      });
      sel.addEventListener("change", function () {
        pick[axis] = sel.value;
        var ch = {}; ch[stateKey] = [pick.x, pick.y];
        SitegenState.set(ch, {replace: true});
        SitegenChartControls.refresh(function (c) { return c === chart; });
      });
      lab.appendChild(sel);
      row.appendChild(lab);
    });
    chart.fig.insertBefore(row, chart.box);
    return chart;
  }

  /** Rows for these views from grid rows (dashboard) or runs' data (comparisons). */
  function fromGridRow(r) {
    return {id: r.id, number: r.number, name: r.name, params: r.params || {}, metrics: r.values || {}};
  }
  function fromRunData(r) {
    var m = {};
    Object.keys(r.scalars || {}).forEach(function (k) { m[k] = r.scalars[k]; });
    Object.keys(r.series || {}).forEach(function (k) { if (!(k in m)) m[k] = SitegenData.lastValue(r.series[k]); });
    return {id: r.id, number: r.number, name: r.name, params: r.params || {}, metrics: m};
  }

  function section(container, runs, primary, brushing) {
    var dims = dimensions(runs);
    var nums = dims.filter(function (d) { return d.part === "params"; });
    if (!nums.length || dims.length < 2) return false;
    var chosen = SitegenState.getList("pc").filter(function (k) { return dims.some(function (d) { return d.key === k; }); });
    if (chosen.length < 2) chosen = defaultKeys(dims, primary, runs);
    var fig = el("figure", {"class": "chart pc-figure", "data-chart": "parallel"});
    fig.appendChild(el("figcaption", null, "Parallel coordinates"));
    fig.appendChild(el("p", {"class": "muted small"}, brushing
      ? "One line per run. Drag along an axis to keep the runs in that range: the grid shows only them (a click on the axis clears it)."
      : "One line per run."));
    var box = el("div", {"class": "pc-box"});
    var brushes = brushing ? parseBrushes(SitegenState.get("brush")) : {};
    function redraw() {
      draw(box, runs, chosen, {primary: primary, brushes: brushes, href: function (r) { return SitegenDom.runUrl(r.id); },
                               onBrush: brushing ? function (next) { brushes = next; brushing(next); redraw(); } : null});
    }
    fig.appendChild(pickerBox(dims, chosen, function (keys) {
      chosen = keys;
      SitegenState.set({pc: keys}, {replace: true});
      redraw();
    }));
    fig.appendChild(box);
    container.appendChild(fig);
    var grid = el("div", {"class": "charts"});
    container.appendChild(grid);
    var sc = SitegenState.getList("sxy");
    scatter(grid, runs, dims, primary, "sxy", {x: sc[0], y: sc[1]});
    redraw();
    var t = null;
    window.addEventListener("resize", function () { clearTimeout(t); t = setTimeout(redraw, 150); });
    var filterBox = brushing && document.getElementById("grid-filter");
    if (filterBox) filterBox.addEventListener("input", function () {  // a filter typed by hand: the brushes go
      if (!Object.keys(brushes).length || filterBox.value === brushQuery(brushes)) return;
      brushes = {};
      SitegenState.set({brush: null}, {replace: true});
      redraw();
    });
    return true;
  }

  /** The runs the dashboard's sweep view draws: all up to MAX_LINES, else a summary of them
      (SitegenSample.lines: each value's extremes, the ticked runs, evenly spaced others; data: the
      manifest naming the values), as rows of this view, and a note saying so. */
  function sampleOf(runs, data, done) {
    if (runs.length <= MAX_LINES) { done({rows: runs.map(fromGridRow), note: null}); return; }
    var fns = (data.numeric_params || []).map(function (n) { return function (r) { return r.params ? r.params[n] : null; }; })
      .concat((data.scalars || []).concat(data.series || []).map(function (n) { return function (r) { return r.values[n]; }; }));
    var ext = null;
    SitegenSample.chunked(runs.length, 10000, function (from, to) {  // ~20 ms a slice at 50,000 runs
      ext = SitegenSample.extremes(runs, fns, from, to, ext);
    }, function () {
      var picked = SitegenSample.lines(runs, MAX_LINES, fns, {keep: new Set(SitegenState.getList("sel")),
                                                               id: function (r) { return r.id; }, extremes: ext});
      setTimeout(done, 0, {rows: picked.map(fromGridRow),  // drawing: a task of its own
            note: "Drawn from " + picked.length.toLocaleString("en") + " of " + runs.length.toLocaleString("en") +
                  " runs: each value's least and greatest, the ticked runs and evenly spaced others."});
    });
  }

  /** The dashboard's sweep view (when its runs have parameters): brushing filters the grid. */
  function dashboard(container, runs, primary, data) {
    sampleOf(runs, data || {}, function (got) { dashboardOf(container, got, primary); });
  }
  /** A first look while the rows load: the parallel coordinates of the runs loaded so far (evenly
      spaced, a quarter of MAX_LINES at most: one short task), without pickers or brushing, saying so;
      dashboard() replaces it. */
  function preview(container, runs, primary, of) {
    var rows = SitegenSample.lines(runs, MAX_LINES / 4, [], {extremes: []}).map(fromGridRow), dims = dimensions(rows);
    if (!dims.some(function (d) { return d.part === "params"; }) || dims.length < 2) return;
    var chosen = SitegenState.getList("pc").filter(function (k) { return dims.some(function (d) { return d.key === k; }); });
    var fig = el("figure", {"class": "chart pc-figure pc-preview", "data-chart": "parallel-preview"});
    fig.appendChild(el("figcaption", null, "Parallel coordinates"));
    fig.appendChild(el("p", {"class": "muted small"}, "Drawn from " + rows.length.toLocaleString("en") + " of the " +
      runs.length.toLocaleString("en") + " runs loaded so far (of " + of.toLocaleString("en") + "); all of them once loaded."));
    var box = el("div", {"class": "pc-box"});
    fig.appendChild(box);
    container.appendChild(fig);
    draw(box, rows, chosen.length >= 2 ? chosen : defaultKeys(dims, primary, rows), {primary: primary, brushes: {}, onBrush: null,
         href: function (r) { return SitegenDom.runUrl(r.id); }});
  }
  function dashboardOf(container, got, primary) {
    var rows = got.rows;
    container.querySelectorAll(".pc-preview").forEach(function (f) { f.remove(); });
    if (got.note) container.appendChild(el("p", {"class": "muted small", "id": "sweep-sample"}, got.note));
    var shown = section(container, rows, primary, function (brushes) {
      var q = brushQuery(brushes);
      var box = document.getElementById("grid-filter");
      if (box) box.value = q;
      SitegenState.set({q: q, brush: formatBrushes(brushes)});
      if (SitegenGrid.current) SitegenGrid.current.setFilter(q);
    });
    if (!shown) container.parentNode.hidden = true;
  }

  /** A comparison's sweep view of the compared runs. */
  function compare(container, list) {
    var primary = document.documentElement.getAttribute("data-primary") || null;
    if (!section(container, list.map(fromRunData), primary, null)) container.hidden = true;
  }

  return {dashboard: dashboard, preview: preview, compare: compare, draw: draw, brushQuery: brushQuery, parseBrushes: parseBrushes,
          formatBrushes: formatBrushes, axisScale: axisScale, dimensions: dimensions, ramp: ramp};
})();
if (typeof module !== "undefined") module.exports = SitegenParallel;
