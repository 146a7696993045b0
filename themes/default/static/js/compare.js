/* sitegen: the comparison view of two or three runs (precomputed pages and compare.html#ids=...). */
var SitegenCompare = (function () {
  "use strict";
  var el = SitegenDom.el, runUrl = SitegenDom.runUrl, isNum = SitegenFormat.isNum;
  var label = SitegenData.label, embed = SitegenCharts.embed, spec = SitegenCharts.spec;

  function charts(list) {
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
      embed(SitegenCharts.box(bars, "Scalars"), b);
    } else bars.appendChild(el("p", {"class": "muted"}, "No numeric scalars."));
    var series = {};
    list.forEach(function (r) { Object.keys(r.series).forEach(function (k) { series[k] = 1; }); });
    Object.keys(series).sort().forEach(function (k) {
      var vals = [];
      list.forEach(function (r) {
        var line = r.series[k]; if (!line) return;
        var steps = SitegenData.lineSteps(line);
        for (var i = 0; i < steps.length; i++) vals.push({step: steps[i], value: line.values[i], run: label(r)});
      });
      var s = spec("series"); s.data.values = vals; s.encoding.y.title = k;
      embed(SitegenCharts.box(overlay, k), s);
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
      s.src = SitegenDom.url("data/runs/" + id + ".js");
      s.onload = function () { if (--left === 0) done(failed); };
      s.onerror = function () { failed.push(id); if (--left === 0) done(failed); };
      document.body.appendChild(s);
    });
  }

  /** compare.html: the runs named in #ids=a,b[,c] (published ones, at most three). */
  function client() {
    var raw = SitegenState.parse(location.hash).ids;
    var lead = document.getElementById("compare-lead");
    if (raw == null) return;
    var ids = raw.split(",").map(SitegenState.text);
    var known = {};
    ((window.SITEGEN_INDEX || {}).runs || []).forEach(function (r) { known[r.id] = r; });
    ids = ids.filter(function (i, k) { return SitegenData.isRunId(i) && known[i] && ids.indexOf(i) === k; }).slice(0, 3);
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
      render(list);
    });
  }

  /** A precomputed comparison page: its runs' data files are already loaded. */
  function page(ids) {
    var all = window.SITEGEN_RUNS || {};
    var list = ids.map(function (i) { return all[i]; }).filter(Boolean);
    if (list.length === ids.length) render(list);
  }

  // The sections of a comparison, made here rather than repeated in every comparison page
  var BODY =
    '<section aria-labelledby="side-h"><h2 id="side-h">Side by side</h2>' +
    '<label class="switch"><input type="checkbox" class="only-diff"> Only differences</label>' +
    '<div class="table-wrap"><table class="compare-table" id="compare-table"></table></div></section>' +
    '<section aria-labelledby="bars-h"><h2 id="bars-h">Values</h2><div class="charts" id="charts-bars"></div>' +
    '<h2>Series</h2><div class="charts" id="charts-overlay"></div></section>' +
    '<section aria-labelledby="images-h" id="images-section" hidden><h2 id="images-h">Images</h2>' +
    '<div id="compare-images"></div></section>';
  function body() {
    var b = document.getElementById("compare-body");
    if (!document.getElementById("compare-table")) b.insertAdjacentHTML("beforeend", BODY);
    b.hidden = false;
  }

  function union(list, get) {
    var o = {};
    list.forEach(function (r) { Object.keys(get(r)).forEach(function (k) { o[k] = 1; }); });
    return Object.keys(o).sort();
  }

  function images(list) {
    var imgs = union(list, function (r) { var o = {}; r.images.forEach(function (p) { o[p] = 1; }); return o; });
    if (!imgs.length) return;
    var box = document.getElementById("compare-images");
    document.getElementById("images-section").hidden = false;
    imgs.forEach(function (p) {
      box.appendChild(el("h3", {"class": "mono"}, p));
      var row = el("div", {"class": "side-by-side cols-" + list.length});
      list.forEach(function (r) {
        var fig = el("figure");
        if (r.images.indexOf(p) >= 0) {
          // an SVG is drawn from its data: URL (never opened as a page: its file is published as text)
          var svg = r.svgs && Object.prototype.hasOwnProperty.call(r.svgs, p) ? r.svgs[p] : null, u = svg || SitegenDom.url("files/" + r.id + "/outputs/" + p);
          var img = el("img", {src: u, alt: p + " of " + label(r), loading: "lazy"});
          if (svg) fig.appendChild(img);
          else { var a = el("a", {href: u}); a.appendChild(img); fig.appendChild(a); }
        } else fig.appendChild(el("div", {"class": "missing muted"}, "not in this run"));
        fig.appendChild(el("figcaption", null, label(r)));
        row.appendChild(fig);
      });
      box.appendChild(row);
    });
  }

  function render(list) {
    body();
    var table = document.getElementById("compare-table");
    var thead = el("thead"), htr = el("tr"); htr.appendChild(el("th"));
    list.forEach(function (r) { var th = el("th"); th.appendChild(el("a", {href: runUrl(r.id)}, label(r))); htr.appendChild(th); });
    thead.appendChild(htr); table.appendChild(thead);
    function section(title, rows) {
      if (!rows.length) return;
      var tb = el("tbody"), tr = el("tr", {"class": "section"});
      tr.appendChild(el("th", {colspan: String(list.length + 1)}, title)); tb.appendChild(tr);
      rows.forEach(function (row) {
        var r = el("tr", {"class": SitegenData.same(row.values) ? "same" : "differ"});
        r.appendChild(el("th", null, row.label));
        row.values.forEach(function (v) {
          var td = el("td", {"class": row.num ? "num" : null}, row.num ? SitegenFormat.value(v) : (v == null ? "" : v));
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
    section("Parameters", union(list, function (r) { return r.params || {}; }).map(function (k) {
      var vals = list.map(function (r) { var v = (r.params || {})[k]; return Array.isArray(v) ? JSON.stringify(v) : v; });
      return {label: k, num: vals.every(function (v) { return v == null || isNum(v); }), values: vals};
    }));
    section("Scalars", union(list, function (r) { return r.scalars; }).map(function (k) {
      return {label: k, num: true, values: list.map(function (r) { return r.scalars[k]; })};
    }));
    section("Series (last value)", union(list, function (r) { return r.series; }).map(function (k) {
      return {label: k, num: true, values: list.map(function (r) { return SitegenData.lastValue(r.series[k]); })};
    }));
    images(list);
    onlyDiff();
    charts(list);
  }

  return {client: client, page: page, render: render};
})();
