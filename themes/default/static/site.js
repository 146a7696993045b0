/* sitegen: dashboard grid, charts and comparisons. No network: data comes from <script src> files. */
(function () {
  "use strict";
  var SG = window.SG = {};
  var ROOT = document.documentElement.getAttribute("data-root") || "";
  var ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

  SG.url = function (path) {
    return ROOT + path.split("/").map(encodeURIComponent).join("/");
  };
  function runUrl(id) { return SG.url("runs/" + id + ".html"); }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] != null) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = String(text);
    return e;
  }

  function isNum(v) { return typeof v === "number" && isFinite(v); }
  SG.fmt = function (v) {
    if (v == null) return "";
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") {
      if (Object.is(v, -0)) return "-0";  // String(-0) is "0": keep the sign, as the run page does
      if (Number.isInteger(v)) return String(v);
      var s = v.toPrecision(6);
      if (s.indexOf("e") < 0 && s.indexOf(".") >= 0) s = s.replace(/0+$/, "").replace(/\.$/, "");
      return s;
    }
    return String(v);
  };
  function fmtDuration(sec) {
    if (!isNum(sec)) return "";
    var h = Math.floor(sec / 3600), m = Math.floor(sec % 3600 / 60), s = sec % 60;
    return h + ":" + String(m).padStart(2, "0") + ":" + (s < 10 ? "0" : "") + s.toFixed(s < 100 ? 1 : 0);
  }

  // ------------------------------------------------------------------ charts
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
  function spec(name) { return JSON.parse(JSON.stringify(window.SITEGEN_SPECS[name])); }
  function crowded(s) {  // thousands of runs: small, translucent points
    if (s.data.values.length <= 1000) return s;
    var marks = s.layer ? s.layer.map(function (l) { return l.mark; }) : [s.mark];
    marks.forEach(function (m) {
      if (m.type === "point") { m.size = 10; m.opacity = 0.5; } else { m.opacity = 0.12; }
    });
    return s;
  }
  function chartBox(container, title, note) {
    var fig = el("figure", {"class": "chart"});
    fig.appendChild(el("figcaption", null, title));
    if (note) fig.appendChild(el("p", {"class": "muted small"}, note));
    var box = el("div", {"class": "vega-box"});
    fig.appendChild(box);
    container.appendChild(fig);
    return box;
  }

  // ------------------------------------------------------------------ dashboard
  SG.dashboard = function (page) {
    var data = window.SITEGEN_INDEX || {runs: [], scalars: [], series: []};
    var runs = data.runs.filter(function (r) { return page.scope == null || r.script === page.scope; });
    var several = new Set(runs.map(function (r) { return r.script; })).size > 1;
    tickJobs();
    SG.grid(runs, data, several);
    setTimeout(function () { drawAcross(runs, page, data); }, 0);  // the grid paints first
  };

  function tickJobs() {
    var cells = document.querySelectorAll(".elapsed[data-start]");
    if (!cells.length) return;
    function tick() {
      var now = Date.now();
      cells.forEach(function (c) {
        var t = Date.parse(c.getAttribute("data-start"));
        if (!isNaN(t)) c.textContent = fmtDuration(Math.max(0, (now - t) / 1000)).replace(/\.\d$/, "");
      });
    }
    tick(); setInterval(tick, 1000);
  }

  var MAX_CHARTS = 60;          // charts across runs (and scatters) drawn at most
  var MAX_DEFAULT_VALUES = 30;  // value columns shown by default in the grid

  function drawAcross(runs, page, data) {
    var across = document.getElementById("charts-across");
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
        if (isNum(v)) out.push({number: r.number, name: r.name, id: r.id, script: r.script,
                                value: v, href: runUrl(r.id)});
      });
      return out;
    }
    var charted = names.concat(seriesNames);
    if (charted.length > MAX_CHARTS) {  // thousands of values: chart the first ones, say so
      across.appendChild(el("p", {"class": "muted"}, "Charts for the first " + MAX_CHARTS + " of " +
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
      embed(chartBox(across, n, seriesNames.indexOf(n) >= 0 ? "last value of the series" : null), crowded(s));
    });
    var d = spec("across");
    d.data.values = rowsFor(function (r) { return r.duration; });
    d.layer[0].encoding.y.title = "seconds";
    d.layer[1].encoding.tooltip[3].title = "duration (s)";
    if (d.data.values.length) embed(chartBox(across, "Duration (seconds)"), crowded(d));
    if (!across.children.length) across.appendChild(el("p", {"class": "muted"}, "No numeric values logged yet."));

    var primary = data.primary;
    if (primary && names.concat(seriesNames).indexOf(primary) >= 0) {
      charted.concat(["duration"]).forEach(function (n) {
        if (n === primary) return;
        var rows = [];
        runs.forEach(function (r) {
          var x = n === "duration" ? r.duration : r.values[n], y = r.values[primary];
          if (isNum(x) && isNum(y)) rows.push({number: r.number, name: r.name, id: r.id, script: r.script,
                                               x: x, y: y, href: runUrl(r.id)});
        });
        if (!rows.length) return;
        var s = spec("scatter");
        s.data.values = rows;
        s.encoding.x.title = n; s.encoding.y.title = primary;
        s.encoding.tooltip[3].title = n; s.encoding.tooltip[4].title = primary;
        embed(chartBox(scatter, primary + " against " + n), crowded(s));
      });
    }
    if (!scatter.children.length) {
      scatter.appendChild(el("p", {"class": "muted"}, "A scatter plot needs the primary metric and another value."));
    }
  }

  // ------------------------------------------------------------------ the runs grid (virtual rows)
  var ROW_H = 32;
  SG.grid = function (runs, data, several) {
    var scroll = document.getElementById("grid-scroll");
    var table = document.getElementById("grid");
    var thead = table.tHead, tbody = table.tBodies[0];
    var filterBox = document.getElementById("grid-filter");
    var status = document.getElementById("grid-status");
    var compareBtn = document.getElementById("grid-compare");
    var chooser = document.querySelector("#grid-columns .columns-list");
    var valueNames = data.scalars.concat(data.series.filter(function (n) { return data.scalars.indexOf(n) < 0; }));
    var base = [
      {key: "number", label: "#", num: true, get: function (r) { return r.number; }},
      {key: "name", label: "Name", get: function (r) { return r.name; }},
      {key: "status", label: "Status", get: function (r) { return r.status; }},
      {key: "script", label: "Script", get: function (r) { return r.script; }},
      {key: "start", label: "Started (UTC)", get: function (r) { return r.start.replace("T", " ").slice(0, 19); }},
      {key: "duration", label: "Duration", num: true, get: function (r) { return r.duration; },
       show: fmtDuration},
      {key: "tags", label: "Tags", get: function (r) { return r.tags; }},
      {key: "id", label: "Run id", get: function (r) { return r.id; }}
    ];
    var cols = base.concat(valueNames.map(function (n) {
      return {key: "v:" + n, label: n, num: true, value: true, get: function (r) { return r.values[n]; }};
    }));
    var defaults = cols.filter(function (c) {
      return c.key !== "id" && c.key !== "tags" && (c.key !== "script" || several);
    }).map(function (c) { return c.key; });
    var colKeys = new Set(cols.map(function (c) { return c.key; }));
    var nBase = defaults.length - valueNames.length;
    defaults = defaults.slice(0, nBase + MAX_DEFAULT_VALUES);  // more columns: pick them in Columns
    var storeKey = "sitegen.columns:" + location.pathname.split("/").slice(-1)[0];
    var visible = readHashCols() || readStoredCols() || defaults;
    var sortKey = "number", sortDesc = true, query = "";
    var selected = [];
    var rows = runs.slice();
    runs.forEach(function (r) {
      r._search = [r.number, r.name, r.id, r.status, r.script, r.tags, r.start].join(" ").toLowerCase();
    });

    function readHashCols() {
      var m = /(?:^#|&)cols=([^&]*)/.exec(location.hash);
      if (!m) return null;
      var keys = m[1].split(",").map(function (s) { try { return decodeURIComponent(s); } catch (e) { return ""; } });
      keys = keys.filter(function (k) { return colKeys.has(k); });
      return keys.length ? keys : null;
    }
    function readStoredCols() {
      try {
        var v = JSON.parse(localStorage.getItem(storeKey) || "null");
        if (Array.isArray(v)) {
          v = v.filter(function (k) { return colKeys.has(k); });
          return v.length ? v : null;
        }
      } catch (e) { /* storage blocked (file://) */ }
      return null;
    }
    function saveCols() {
      try { localStorage.setItem(storeKey, JSON.stringify(visible)); } catch (e) { /* ignore */ }
      var hash = "#cols=" + visible.map(encodeURIComponent).join(",");
      try { history.replaceState(null, "", hash); } catch (e) { location.hash = hash; }
    }

    // column chooser
    var initial = new Set(visible);
    cols.forEach(function (c) {
      var label = el("label");
      var box = el("input", {type: "checkbox"});
      box.checked = initial.has(c.key);
      box.addEventListener("change", function () {
        var was = new Set(visible);
        if (box.checked) visible = cols.map(function (x) { return x.key; }).filter(function (k) {
          return k === c.key || was.has(k); });
        else visible = visible.filter(function (k) { return k !== c.key; });
        saveCols(); header(); render();
      });
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + c.label));
      chooser.appendChild(label);
    });

    function shown() {
      var vis = new Set(visible);
      return cols.filter(function (c) { return vis.has(c.key); });
    }

    function header() {
      thead.textContent = "";
      var tr = el("tr");
      tr.appendChild(el("th", {"class": "sel", scope: "col"}, ""));
      shown().forEach(function (c) {
        var th = el("th", {scope: "col", "class": c.num ? "num sortable" : "sortable", title: "Sort by " + c.label,
                           "aria-sort": c.key === sortKey ? (sortDesc ? "descending" : "ascending") : null});
        th.textContent = c.label + (c.key === sortKey ? (sortDesc ? " ▾" : " ▴") : "");
        th.addEventListener("click", function () {
          if (sortKey === c.key) sortDesc = !sortDesc; else { sortKey = c.key; sortDesc = c.num; }
          apply(); header(); render();
        });
        tr.appendChild(th);
      });
      thead.appendChild(tr);
    }

    function cmp(a, b) {
      var an = a == null || a === "", bn = b == null || b === "";
      if (an || bn) return an && bn ? 0 : (an ? 1 : -1);
      var na = typeof a === "number", nb = typeof b === "number";
      if (na && nb) return a - b;
      if (na !== nb) return na ? -1 : 1;
      return String(a).localeCompare(String(b));
    }
    function apply() {
      var col = cols.filter(function (c) { return c.key === sortKey; })[0] || cols[0];
      var q = query.trim().toLowerCase();
      rows = q ? runs.filter(function (r) { return r._search.indexOf(q) >= 0; }) : runs.slice();
      rows.sort(function (a, b) {
        var av = col.get(a), bv = col.get(b);
        var empty = (av == null || av === "") - (bv == null || bv === "");
        if (empty) return empty;  // empty cells last in both directions
        var c = cmp(av, bv);
        return sortDesc ? -c : c;
      });
      status.textContent = rows.length + " of " + runs.length + " runs" +
        (selected.length ? " · " + selected.length + " ticked" : "");
    }

    function spacer(h, n) {
      var tr = el("tr", {"class": "spacer", "aria-hidden": "true"});
      var td = el("td", {colspan: String(n)}); tr.appendChild(td); tr.style.height = h + "px";
      return tr;
    }
    function render() {
      var cs = shown();
      // the box may still be empty (its height: the header) at the first render: fill the window
      var top = scroll.scrollTop, height = Math.max(scroll.clientHeight, window.innerHeight || 800);
      var first = Math.max(0, Math.floor(top / ROW_H) - 10);
      var last = Math.min(rows.length, Math.ceil((top + height) / ROW_H) + 10);
      var frag = document.createDocumentFragment();
      if (first > 0) frag.appendChild(spacer(first * ROW_H, cs.length + 1));
      for (var i = first; i < last; i++) {
        var r = rows[i];
        var tr = el("tr", {"data-id": r.id});
        if (selected.indexOf(r.id) >= 0) tr.className = "ticked";
        var td = el("td", {"class": "sel"});
        var box = el("input", {type: "checkbox", "aria-label": "Tick run " + r.number, "data-id": r.id});
        box.checked = selected.indexOf(r.id) >= 0;
        td.appendChild(box); tr.appendChild(td);
        cs.forEach(function (c) {
          var v = c.get(r);
          var cell = el("td", {"class": c.num ? "num" : null});
          if (c.key === "number" || c.key === "name") {
            var a = el("a", {href: runUrl(r.id)}, c.key === "number" ? "#" + (v == null ? "?" : v) : (v || r.id));
            cell.appendChild(a);
          } else if (c.key === "status") {
            cell.appendChild(el("span", {"class": "badge badge-" + String(v).toLowerCase()}, v));
          } else {
            cell.textContent = c.show ? c.show(v) : SG.fmt(v);
            if (c.value && v != null) cell.title = String(v);
          }
          tr.appendChild(cell);
        });
        frag.appendChild(tr);
      }
      if (last < rows.length) frag.appendChild(spacer((rows.length - last) * ROW_H, cs.length + 1));
      tbody.textContent = "";
      tbody.appendChild(frag);
      if (!rows.length) {
        var tr0 = el("tr"); tr0.appendChild(el("td", {colspan: String(cs.length + 1), "class": "muted"},
          runs.length ? "No run matches the filter." : "No runs yet."));
        tbody.appendChild(tr0);
      }
    }

    tbody.addEventListener("change", function (ev) {
      var t = ev.target;
      if (!t || t.type !== "checkbox") return;
      var id = t.getAttribute("data-id");
      if (t.checked) { if (selected.indexOf(id) < 0) selected.push(id); }
      else selected = selected.filter(function (x) { return x !== id; });
      if (selected.length > 3) {
        var drop = selected.shift();
        var other = tbody.querySelector('input[data-id="' + drop + '"]');
        if (other) other.checked = false;
      }
      compareBtn.disabled = selected.length < 2;
      apply(); render();
    });
    compareBtn.addEventListener("click", function () {
      if (selected.length < 2) return;
      var order = selected.slice().sort(function (a, b) {
        var ra = runs.filter(function (r) { return r.id === a; })[0], rb = runs.filter(function (r) { return r.id === b; })[0];
        return cmp(ra.start, rb.start) || cmp(ra.number, rb.number);
      });
      location.href = SG.url("compare.html") + "#ids=" + order.map(encodeURIComponent).join(",");
    });
    var timer = null;
    filterBox.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { query = filterBox.value; apply(); scroll.scrollTop = 0; render(); }, 60);
    });
    var ticking = false;
    scroll.addEventListener("scroll", function () {
      if (ticking) return; ticking = true;
      requestAnimationFrame(function () { ticking = false; render(); });
    });
    window.addEventListener("resize", render);
    header(); apply(); render();
    SG._grid = {rows: function () { return rows; }, render: render};
  };

  // ------------------------------------------------------------------ run page
  // A series in a run's data file: {n: points logged, values: drawn (rounded to 7 significant
  // digits, null for NaN/inf), steps: [...] or start + stride (evenly spaced steps), last: the exact
  // last value when rounding changed it}.
  function lineSteps(line) {
    if (line.steps) return line.steps;
    var out = new Array(line.values.length);
    for (var i = 0; i < out.length; i++) out[i] = line.start + i * line.stride;
    return out;
  }
  SG.lineSteps = lineSteps;
  document.addEventListener("DOMContentLoaded", function () {  // logs: show the latest lines
    document.querySelectorAll("pre.log").forEach(function (p) { p.scrollTop = p.scrollHeight; });
  });
  SG.runPage = function (id) {
    var run = (window.SITEGEN_RUNS || {})[id];
    var box = document.getElementById("charts-series");
    if (!run || !box) return;
    Object.keys(run.series).sort().forEach(function (name) {
      var line = run.series[name], steps = lineSteps(line);
      var s = spec("series");
      var vals = [];
      for (var i = 0; i < steps.length; i++) vals.push({step: steps[i], value: line.values[i]});
      s.data.values = vals;
      delete s.encoding.color;
      s.encoding.y.title = name;
      var note = line.n > steps.length ? steps.length + " of " + line.n + " points drawn" : null;
      embed(chartBox(box, name, note), s);
    });
  };

  // ------------------------------------------------------------------ comparisons
  function label(run) { return "#" + (run.number == null ? "?" : run.number) + (run.name ? " " + run.name : ""); }
  function compareCharts(list) {
    var bars = document.getElementById("charts-bars");
    var overlay = document.getElementById("charts-overlay");
    var names = {};
    list.forEach(function (r) { Object.keys(r.scalars).forEach(function (k) { if (isNum(r.scalars[k])) names[k] = 1; }); });
    var rows = [];
    Object.keys(names).sort().forEach(function (k) {
      list.forEach(function (r) { if (isNum(r.scalars[k])) rows.push({metric: k, run: label(r), value: r.scalars[k]}); });
    });
    if (rows.length) {
      var b = spec("bars"); b.data.values = rows;
      embed(chartBox(bars, "Scalars"), b);
    } else bars.appendChild(el("p", {"class": "muted"}, "No numeric scalars."));
    var series = {};
    list.forEach(function (r) { Object.keys(r.series).forEach(function (k) { series[k] = 1; }); });
    Object.keys(series).sort().forEach(function (k) {
      var vals = [];
      list.forEach(function (r) {
        var line = r.series[k]; if (!line) return;
        var steps = lineSteps(line);
        for (var i = 0; i < steps.length; i++) vals.push({step: steps[i], value: line.values[i], run: label(r)});
      });
      var s = spec("series"); s.data.values = vals; s.encoding.y.title = k;
      embed(chartBox(overlay, k), s);
    });
    if (!Object.keys(series).length) overlay.appendChild(el("p", {"class": "muted"}, "No series."));
  }
  function onlyDiff() {
    document.querySelectorAll(".only-diff").forEach(function (box) {
      var table = document.getElementById("compare-table");
      function upd() { table.classList.toggle("only-differences", box.checked); }
      box.addEventListener("change", upd); upd();
    });
  }
  function loadRuns(ids, done) {
    var left = ids.length, failed = [];
    ids.forEach(function (id) {
      var s = document.createElement("script");
      s.src = SG.url("data/runs/" + id + ".js");
      s.onload = function () { if (--left === 0) done(failed); };
      s.onerror = function () { failed.push(id); if (--left === 0) done(failed); };
      document.body.appendChild(s);
    });
  }
  function sameVals(vals) {
    var seen = vals.map(function (v) { return JSON.stringify(v === undefined ? null : v); });
    return seen.every(function (x) { return x === seen[0]; });
  }
  SG.compareClient = function () {
    var m = /(?:^#|&)ids=([^&]*)/.exec(location.hash);
    var lead = document.getElementById("compare-lead");
    if (!m) return;
    var ids = m[1].split(",").map(function (s) { try { return decodeURIComponent(s); } catch (e) { return ""; } });
    var known = {};
    ((window.SITEGEN_INDEX || {}).runs || []).forEach(function (r) { known[r.id] = r; });
    ids = ids.filter(function (i, k) { return ID_RE.test(i) && known[i] && ids.indexOf(i) === k; }).slice(0, 3);
    if (ids.length < 2) { lead.textContent = "Pick two or three published runs to compare."; return; }
    loadRuns(ids, function (failed) {
      var all = window.SITEGEN_RUNS || {};
      var list = ids.map(function (i) { return all[i]; }).filter(Boolean);
      if (failed.length || list.length < 2) { lead.textContent = "Could not load the runs' data files."; return; }
      document.getElementById("compare-title").textContent = "Compare " + list.map(label).join(" · ");
      lead.textContent = "Runs ticked in the grid.";
      var links = document.getElementById("compare-links");
      list.forEach(function (r) { links.appendChild(el("a", {href: runUrl(r.id)}, "Run #" + r.number)); });
      document.getElementById("compare-body").hidden = false;
      renderCompare(list);
    });
  };

  SG.comparePage = function (ids) {
    var all = window.SITEGEN_RUNS || {};
    var list = ids.map(function (i) { return all[i]; }).filter(Boolean);
    if (list.length === ids.length) renderCompare(list);
  };

  // The sections of a comparison, made here rather than repeated in every comparison page
  var COMPARE_BODY =
    '<section aria-labelledby="side-h"><h2 id="side-h">Side by side</h2>' +
    '<label class="switch"><input type="checkbox" class="only-diff"> Only differences</label>' +
    '<div class="table-wrap"><table class="compare-table" id="compare-table"></table></div></section>' +
    '<section aria-labelledby="bars-h"><h2 id="bars-h">Values</h2><div class="charts" id="charts-bars"></div>' +
    '<h2>Series</h2><div class="charts" id="charts-overlay"></div></section>' +
    '<section aria-labelledby="images-h" id="images-section" hidden><h2 id="images-h">Images</h2>' +
    '<div id="compare-images"></div></section>';
  function compareBody() {
    var body = document.getElementById("compare-body");
    if (!document.getElementById("compare-table")) body.insertAdjacentHTML("beforeend", COMPARE_BODY);
    body.hidden = false;
  }

  function renderCompare(list) {
      compareBody();
      var table = document.getElementById("compare-table");
      var thead = el("thead"), htr = el("tr"); htr.appendChild(el("th"));
      list.forEach(function (r) { var th = el("th"); th.appendChild(el("a", {href: runUrl(r.id)}, label(r))); htr.appendChild(th); });
      thead.appendChild(htr); table.appendChild(thead);
      function section(title, rows) {
        if (!rows.length) return;
        var tb = el("tbody"), tr = el("tr", {"class": "section"});
        tr.appendChild(el("th", {colspan: String(list.length + 1)}, title)); tb.appendChild(tr);
        rows.forEach(function (row) {
          var r = el("tr", {"class": sameVals(row.values) ? "same" : "differ"});
          r.appendChild(el("th", null, row.label));
          row.values.forEach(function (v) {
            var td = el("td", {"class": row.num ? "num" : null}, row.num ? SG.fmt(v) : (v == null ? "" : v));
            if (row.num && v != null) td.title = String(v);
            r.appendChild(td);
          });
          tb.appendChild(r);
        });
        table.appendChild(tb);
      }
      var labels = [];
      list.forEach(function (r) { r.meta.forEach(function (kv) { if (labels.indexOf(kv[0]) < 0) labels.push(kv[0]); }); });
      section("Metadata", labels.map(function (l) {
        return {label: l, values: list.map(function (r) {
          var hit = r.meta.filter(function (kv) { return kv[0] === l; })[0]; return hit ? hit[1] : ""; })};
      }).filter(function (row) { return row.values.some(function (v) { return v !== ""; }); }));
      function union(get) { var o = {}; list.forEach(function (r) { Object.keys(get(r)).forEach(function (k) { o[k] = 1; }); }); return Object.keys(o).sort(); }
      section("Scalars", union(function (r) { return r.scalars; }).map(function (k) {
        return {label: k, num: true, values: list.map(function (r) { return r.scalars[k]; })};
      }));
      section("Series (last value)", union(function (r) { return r.series; }).map(function (k) {
        return {label: k, num: true, values: list.map(function (r) {
          var s = r.series[k]; if (!s || !s.values.length) return null;
          return s.last != null ? s.last : s.values[s.values.length - 1]; })};
      }));
      var imgs = union(function (r) { var o = {}; r.images.forEach(function (p) { o[p] = 1; }); return o; });
      if (imgs.length) {
        var box = document.getElementById("compare-images");
        document.getElementById("images-section").hidden = false;
        imgs.forEach(function (p) {
          box.appendChild(el("h3", {"class": "mono"}, p));
          var row = el("div", {"class": "side-by-side cols-" + list.length});
          list.forEach(function (r) {
            var fig = el("figure");
            if (r.images.indexOf(p) >= 0) {
              var u = SG.url("files/" + r.id + "/outputs/" + p);
              var a = el("a", {href: u}); a.appendChild(el("img", {src: u, alt: p + " of " + label(r), loading: "lazy"}));
              fig.appendChild(a);
            } else fig.appendChild(el("div", {"class": "missing muted"}, "not in this run"));
            fig.appendChild(el("figcaption", null, label(r)));
            row.appendChild(fig);
          });
          box.appendChild(row);
        });
      }
      onlyDiff();
      compareCharts(list);
  }
})();
