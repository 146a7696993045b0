/* sitegen: comparing any number of runs, on precomputed pages (compare/<a>--<b>.html) and at
   compare.html#ids=a,b,c,...: a side-by-side table (scrolls sideways, first column stays), parameters
   and metrics each with "Only differences", a small chart per metric, every series overlaid (with the
   chart controls), images side by side per output name (click: a larger view), small text outputs
   previewed, and for a chosen pair of runs a line diff of a text output and of the code.
   Only the compared runs' files load: data/runs/<id>.js, data/text/<id>.js, data/code/<snapshot>.js,
   data/blobs/<sha>.js (through <script src>: works from file://). Everything shown is text, never markup. */
var SitegenCompare = (function () {
  "use strict";
  var el = SitegenDom.el, runUrl = SitegenDom.runUrl, isNum = SitegenFormat.isNum, M = SitegenChartMath;
  var label = SitegenData.label;
  var MAX_RUNS = 50;        // runs compared at most
  var MAX_DIFF_FILES = 40;  // code files diffed at most (the others are listed)
  var PREVIEW_LINES = 40;   // lines of a text output shown side by side

  /** Load data files by <script src> (each once); resolves when all have loaded or failed. */
  var load = SitegenDom.loadScript;
  function loadAll(paths) { return Promise.all(paths.map(load)); }

  function colorOf(r) { return M.runColor(r.number, r.id, SitegenCharts.dark); }
  function swatch(r) {
    var s = el("span", {"class": "swatch", "aria-hidden": "true"});
    s.style.background = colorOf(r);
    return s;
  }
  function runLink(r) {
    var a = el("a", {href: runUrl(r.id)});
    a.appendChild(swatch(r));
    a.appendChild(document.createTextNode(label(r)));
    return a;
  }

  // ---- the page's sections (made here, not repeated in each of the precomputed pages)
  function section(body, id, title) {
    var s = el("section", {"aria-labelledby": id + "-h", id: id});
    s.appendChild(el("h2", {id: id + "-h"}, title));
    body.appendChild(s);
    return s;
  }

  function union(list, get) {
    var o = {};
    list.forEach(function (r) { Object.keys(get(r) || {}).forEach(function (k) { o[k] = 1; }); });
    return Object.keys(o).sort();
  }

  /** The side-by-side table: Run, Parameters, Metrics; each part has its own "Only differences". */
  function table(sec, list) {
    var tools = el("div", {"class": "compare-tools"});
    sec.appendChild(tools);
    var wrap = el("div", {"class": "table-wrap compare-wrap"});
    var t = el("table", {"class": "compare-table", id: "compare-table"});
    wrap.appendChild(t);
    sec.appendChild(wrap);
    var thead = el("thead"), htr = el("tr");
    htr.appendChild(el("th", {scope: "col"}, list.length + " runs"));
    list.forEach(function (r) { var th = el("th", {scope: "col"}); th.appendChild(runLink(r)); htr.appendChild(th); });
    thead.appendChild(htr); t.appendChild(thead);
    function part(key, title, rows) {
      if (!rows.length) return;
      var tb = el("tbody", {"data-part": key}), tr = el("tr", {"class": "section"});
      tr.appendChild(el("th", {colspan: String(list.length + 1)}, title)); tb.appendChild(tr);
      var differ = 0;
      rows.forEach(function (row) {
        var same = SitegenData.same(row.values);
        if (!same) differ++;
        var r = el("tr", {"class": same ? "same" : "differ"});
        r.appendChild(el("th", {scope: "row"}, row.label));
        row.values.forEach(function (v, i) {
          var td = el("td", {"class": row.num ? "num" : null}, row.num ? SitegenFormat.value(v) : (v == null ? "" : v));
          if (row.num && v != null) td.title = String(v);
          if (row.exact && row.exact[i]) td.title = row.exact[i];
          r.appendChild(td);
        });
        tb.appendChild(r);
      });
      t.appendChild(tb);
      var box = el("input", {type: "checkbox", "class": "only-diff", "data-part": key});
      var lab = el("label", {"class": "switch"});
      lab.appendChild(box);
      lab.appendChild(document.createTextNode(" " + title + ": only differences (" + differ + " of " + rows.length + ")"));
      box.addEventListener("change", function () { tb.classList.toggle("only-differences", box.checked); });
      tools.appendChild(lab);
    }
    var labels = [];
    list.forEach(function (r) { r.meta.forEach(function (kv) { if (labels.indexOf(kv[0]) < 0) labels.push(kv[0]); }); });
    part("run", "Run", labels.map(function (l) {  // [label, text, exact (when the text is for people)]
      var hits = list.map(function (r) { return r.meta.filter(function (kv) { return kv[0] === l; })[0]; });
      return {label: l, values: hits.map(function (h) { return h ? h[1] : ""; }),
              exact: hits.map(function (h) { return h && h[2]; })};
    }).filter(function (row) { return row.values.some(function (v) { return v !== ""; }); }));
    part("params", "Parameters", union(list, function (r) { return r.params; }).map(function (k) {
      var vals = list.map(function (r) { var v = (r.params || {})[k]; return Array.isArray(v) ? JSON.stringify(v) : v; });
      return {label: k, num: vals.every(function (v) { return v == null || isNum(v); }), values: vals};
    }));
    var metrics = union(list, function (r) { return r.scalars; }).map(function (k) {
      return {label: k, num: true, values: list.map(function (r) { return r.scalars[k]; })};
    }).concat(union(list, function (r) { return r.series; }).map(function (k) {
      return {label: k + " (last)", num: true, values: list.map(function (r) { return SitegenData.lastValue(r.series[k]); })};
    }));
    part("metrics", "Metrics", metrics);
  }

  /** A small bar chart per metric (each on its own axis) and every series overlaid. */
  function charts(sec, list) {
    var bars = el("div", {"class": "charts small-multiples", id: "charts-bars"});
    var overlay = el("div", {"class": "charts", id: "charts-overlay"});
    sec.appendChild(el("h3", null, "Each metric"));
    sec.appendChild(bars);
    sec.appendChild(el("h3", null, "Series"));
    sec.appendChild(overlay);
    SitegenChartControls.settingsBar(bars.previousSibling);
    var scalars = union(list, function (r) { return r.scalars; }).filter(function (k) {
      return list.some(function (r) { return isNum(r.scalars[k]); });
    });
    var lasts = union(list, function (r) { return r.series; });
    function metric(name, value) {
      SitegenChartControls.add(bars, {id: "metric:" + name, title: name, kind: "bars", make: function (s) {
        var rows = [];
        list.forEach(function (r) {
          var v = value(r);
          if (isNum(v) && (!s.ylog || v > 0)) rows.push({run: label(r), id: r.id, y: v, color: colorOf(r)});
        });
        if (!rows.length) return null;
        return {spec: SitegenChartSpecs.bars(rows, s, {yTitle: name}), rows: rows, fields: ["run", "id", "y"]};
      }});
    }
    scalars.forEach(function (k) { metric(k, function (r) { return r.scalars[k]; }); });
    lasts.forEach(function (k) { metric(k + " (last)", function (r) { return SitegenData.lastValue(r.series[k]); }); });
    if (!scalars.length && !lasts.length) bars.appendChild(el("p", {"class": "muted"}, "No numeric metrics."));
    lasts.forEach(function (k) {
      SitegenOverlay.curvesChart(overlay, k, function () {
        return {runs: list, of: list.length, ticked: false, why: null};
      }, null);
    });
    if (!lasts.length) overlay.appendChild(el("p", {"class": "muted"}, "No series."));
  }

  // ---- images: side by side per output name; a click shows it larger
  var dialog = null;
  function enlarge(src, caption) {
    if (!dialog) {
      dialog = el("dialog", {"class": "lightbox", "aria-label": "Image"});
      var close = el("button", {type: "button", "class": "close"}, "Close");
      close.addEventListener("click", function () { dialog.close(); });
      dialog.addEventListener("click", function (ev) { if (ev.target === dialog) dialog.close(); });
      dialog.appendChild(close);
      dialog.appendChild(el("img", {alt: ""}));
      dialog.appendChild(el("p", {"class": "caption"}));
      document.body.appendChild(dialog);
    }
    var img = dialog.querySelector("img");
    img.src = src; img.alt = caption;
    dialog.querySelector(".caption").textContent = caption;
    if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", "");
  }

  function images(body, list) {
    var names = union(list, function (r) { var o = {}; (r.images || []).forEach(function (p) { o[p] = 1; }); return o; });
    if (!names.length) return;
    var sec = section(body, "compare-images", "Images");
    names.forEach(function (p) {
      sec.appendChild(el("h3", {"class": "mono"}, p));
      var row = el("div", {"class": "side-by-side"});
      list.forEach(function (r) {
        var fig = el("figure");
        if ((r.images || []).indexOf(p) >= 0) {
          // an SVG is drawn from its data: URL (never opened as a page: its file is published as text)
          var svg = r.svgs && Object.prototype.hasOwnProperty.call(r.svgs, p) ? r.svgs[p] : null;
          var u = svg || SitegenDom.url("files/" + r.id + "/outputs/" + p);
          var a = el("a", {href: svg ? "#" : u, "class": "enlarge"});
          a.appendChild(el("img", {src: u, alt: p + " of " + label(r), loading: "lazy"}));
          a.addEventListener("click", function (ev) { ev.preventDefault(); enlarge(u, p + " · " + label(r)); });
          fig.appendChild(a);
        } else fig.appendChild(el("div", {"class": "missing muted"}, "not in this run"));
        var cap = el("figcaption"); cap.appendChild(runLink(r));
        fig.appendChild(cap);
        row.appendChild(fig);
      });
      sec.appendChild(row);
    });
  }

  // ---- text outputs and code: previews, and a diff of a chosen pair of runs
  function diffView(hunks, nameA, nameB) {
    var pre = el("pre", {"class": "diff"});
    if (hunks == null) { pre.appendChild(el("span", {"class": "muted"}, "Too many differences to show here.")); return pre; }
    if (!hunks.length) { pre.appendChild(el("span", {"class": "muted"}, "No differences.")); return pre; }
    pre.appendChild(el("span", {"class": "hdr"}, "--- " + nameA + "\n+++ " + nameB + "\n"));
    hunks.forEach(function (h) {
      pre.appendChild(el("span", {"class": "hunk"}, "@@ -" + SitegenDiff.range(h.a, h.an) + " +" +
                                                 SitegenDiff.range(h.b, h.bn) + " @@\n"));
      h.lines.forEach(function (l) {
        pre.appendChild(el("span", {"class": l[0] === "+" ? "add" : l[0] === "-" ? "del" : "ctx"}, l[0] + l[1] + "\n"));
      });
    });
    return pre;
  }

  function pairPicker(list, onPick) {
    var box = el("div", {"class": "pair"});
    if (list.length === 2) { onPick(list[0], list[1]); return box; }
    var a = el("select", {"aria-label": "First run"}), b = el("select", {"aria-label": "Second run"});
    list.forEach(function (r, i) {
      a.appendChild(el("option", {value: String(i)}, label(r)));
      b.appendChild(el("option", {value: String(i)}, label(r)));
    });
    // the first pair whose code differs, else the first two runs
    var pick = [0, 1];
    for (var i = 1; i < list.length; i++) if (list[i].snapshot !== list[0].snapshot) { pick = [0, i]; break; }
    a.value = String(pick[0]); b.value = String(pick[1]);
    function go() { onPick(list[Number(a.value)], list[Number(b.value)]); }
    a.addEventListener("change", go); b.addEventListener("change", go);
    box.appendChild(document.createTextNode("Diff "));
    box.appendChild(a); box.appendChild(document.createTextNode(" against ")); box.appendChild(b);
    setTimeout(go, 0);
    return box;
  }

  function texts(body, list) {
    var withText = list.filter(function (r) { return (r.texts || []).length; });
    if (!withText.length) return;
    var sec = section(body, "texts-section", "Text outputs");
    loadAll(withText.map(function (r) { return "data/text/" + r.id + ".js"; })).then(function () {
      var T = window.SITEGEN_TEXT || {};
      var names = union(list, function (r) { var o = {}; (r.texts || []).forEach(function (p) { o[p] = 1; }); return o; });
      names.forEach(function (p) {
        sec.appendChild(el("h3", {"class": "mono"}, p));
        var row = el("div", {"class": "side-by-side"});
        list.forEach(function (r) {
          var fig = el("figure"), f = (T[r.id] || {})[p];
          if (f && f.text != null) {
            var lines = f.text.split("\n");
            var shown = lines.slice(0, PREVIEW_LINES).join("\n") + (lines.length > PREVIEW_LINES || f.cut ? "\n…" : "");
            fig.appendChild(el("pre", {"class": "preview"}, shown));
          } else fig.appendChild(el("div", {"class": "missing muted"}, f ? "not text, or too large to preview" : "not in this run"));
          var cap = el("figcaption"); cap.appendChild(runLink(r)); fig.appendChild(cap);
          row.appendChild(fig);
        });
        sec.appendChild(row);
      });
      var out = el("div", {"class": "text-diff"});
      var pick = el("select", {"aria-label": "Text output to diff"});
      names.forEach(function (p) { pick.appendChild(el("option", {value: p}, p)); });
      var pair = null;
      function show() {
        out.textContent = "";
        if (!pair) return;
        var p = pick.value, fa = (T[pair[0].id] || {})[p], fb = (T[pair[1].id] || {})[p];
        if (!fa || !fb || fa.text == null || fb.text == null) {
          out.appendChild(el("p", {"class": "muted"}, "Both runs need this output as text to diff it."));
          return;
        }
        if (fa.cut || fb.cut) out.appendChild(el("p", {"class": "muted"}, "Compared: the first part of each file (the previews)."));
        out.appendChild(diffView(SitegenDiff.unified(fa.text, fb.text), label(pair[0]) + "/" + p, label(pair[1]) + "/" + p));
      }
      pick.addEventListener("change", show);
      sec.appendChild(el("h3", null, "Line diff"));
      var tools = el("div", {"class": "diff-tools"});
      tools.appendChild(pick);
      tools.appendChild(pairPicker(list, function (a, b) { pair = [a, b]; show(); }));
      sec.appendChild(tools);
      sec.appendChild(out);
    });
  }

  /** Which files of two snapshot manifests differ: [{path, kind: "changed"|"added"|"removed", a, b}]. */
  function changedFiles(ma, mb) {
    var out = [];
    Object.keys(Object.assign({}, ma, mb)).sort().forEach(function (p) {
      var a = ma[p], b = mb[p];
      if (a && b && a[0] === b[0]) return;
      out.push({path: p, kind: !a ? "added" : !b ? "removed" : "changed", a: a || null, b: b || null});
    });
    return out;
  }

  function code(body, list) {
    if (!list.some(function (r) { return r.snapshot; })) return;
    var sec = section(body, "code-section", "Code");
    var snaps = {};
    list.forEach(function (r) { if (r.snapshot) snaps[r.snapshot] = 1; });
    var groups = Object.keys(snaps).length;
    sec.appendChild(el("p", {"class": "muted"}, groups === 1
      ? "All " + list.length + " runs ran the same code (one snapshot)."
      : "The runs ran " + groups + " different versions of the code."));
    var out = el("div", {"class": "code-diff"});
    var token = 0;
    function show(a, b) {
      var mine = ++token;
      out.textContent = "";
      if (!a.snapshot || !b.snapshot) {
        out.appendChild(el("p", {"class": "muted"}, "A run without a code snapshot (not started by sitegen run)."));
        return;
      }
      loadAll(["data/code/" + a.snapshot + ".js", "data/code/" + b.snapshot + ".js"]).then(function () {
        var C = window.SITEGEN_CODE || {};
        var ma = C[a.snapshot], mb = C[b.snapshot];
        if (mine !== token) return;
        if (!ma || !mb) { out.appendChild(el("p", {"class": "muted"}, "The code snapshot is not published.")); return; }
        var files = changedFiles(ma, mb);
        out.appendChild(el("p", {"class": "code-summary"}, files.length
          ? files.length + (files.length === 1 ? " file differs" : " files differ") + " between " + label(a) + " and " + label(b) + "."
          : label(a) + " and " + label(b) + " ran the same code."));
        if (!files.length) return;
        var ul = el("ul", {"class": "changed-files mono"});
        files.forEach(function (f) { ul.appendChild(el("li", {"class": f.kind}, f.kind + ": " + f.path)); });
        out.appendChild(ul);
        var shas = [];
        files.slice(0, MAX_DIFF_FILES).forEach(function (f) {
          [f.a, f.b].forEach(function (e) { if (e && e[2]) shas.push("data/blobs/" + e[0] + ".js"); });
        });
        return loadAll(shas).then(function () {
          if (mine !== token) return;
          var B = window.SITEGEN_BLOBS || {};
          files.slice(0, MAX_DIFF_FILES).forEach(function (f) {
            var d = el("details", {"class": "file-diff", open: ""});
            d.appendChild(el("summary", {"class": "mono"}, f.path + " (" + f.kind + ")"));
            var ta = f.a ? B[f.a[0]] : "", tb = f.b ? B[f.b[0]] : "";
            if ((f.a && !f.a[2]) || (f.b && !f.b[2])) d.appendChild(el("p", {"class": "muted"}, "Not published (a credential-looking or unpublished file, or over the size limit)."));
            else if (ta == null || tb == null) d.appendChild(el("p", {"class": "muted"}, "Binary file."));
            else d.appendChild(diffView(SitegenDiff.unified(ta, tb), "a/" + f.path, "b/" + f.path));
            out.appendChild(d);
          });
          if (files.length > MAX_DIFF_FILES) out.appendChild(el("p", {"class": "muted"}, "Diffs of the first " + MAX_DIFF_FILES + " files."));
        });
      });
    }
    sec.appendChild(pairPicker(list, show));
    sec.appendChild(out);
  }

  function render(list) {
    var body = document.getElementById("compare-body");
    body.hidden = false;
    var side = section(body, "side", "Side by side");
    table(side, list);
    charts(section(body, "values", "Values"), list);
    if (window.SitegenParallel) SitegenParallel.compare(section(body, "sweep", "Parameters and metrics"), list);
    images(body, list);
    texts(body, list);
    code(body, list);
    body.setAttribute("data-ready", String(list.length));
  }

  /** compare.html: the runs named in #ids=a,b,... (published ones; loads only their data files). */
  function client() {
    var raw = SitegenState.parse(location.hash).ids;
    var lead = document.getElementById("compare-lead");
    if (raw == null) return;
    var ids = raw.split(",").map(SitegenState.text).filter(function (i, k, all) {
      return SitegenData.isRunId(i) && all.indexOf(i) === k;
    });
    var extra = ids.length > MAX_RUNS ? ids.length - MAX_RUNS : 0;
    ids = ids.slice(0, MAX_RUNS);
    if (ids.length < 2) { lead.textContent = "Pick two or more published runs to compare."; return; }
    loadAll(ids.map(function (id) { return "data/runs/" + id + ".js"; })).then(function () {
      var all = window.SITEGEN_RUNS || {};
      var list = ids.map(function (i) { return all[i]; }).filter(Boolean);
      var missing = ids.filter(function (i) { return !all[i]; });
      if (list.length < 2) { lead.textContent = "Could not load the runs' data files (are they published?)."; return; }
      document.getElementById("compare-title").textContent = "Compare " + (list.length > 3
        ? list.length + " runs" : list.map(label).join(" · "));
      lead.textContent = "The runs named in the link (ticked in the grid, or a run and its previous run)." + (missing.length ? " Not published: " + missing.join(", ") + "." : "") +
        (extra ? " The first " + MAX_RUNS + " runs of the link (" + extra + " more left out)." : "");
      var links = document.getElementById("compare-links");
      list.forEach(function (r) { links.appendChild(el("a", {href: runUrl(r.id)}, "Run #" + r.number)); });
      render(list);
    });
  }

  /** A precomputed comparison page: its runs' data files are already loaded. */
  function page(ids) {
    var all = window.SITEGEN_RUNS || {};
    var list = ids.map(function (i) { return all[i]; }).filter(Boolean);
    if (list.length === ids.length) render(list);
  }

  return {client: client, page: page, render: render, changedFiles: changedFiles, MAX_RUNS: MAX_RUNS};
})();
