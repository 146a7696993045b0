/* sitegen: the dashboard's runs grid: virtual rows, sortable columns in groups (run, Parameters,
   Metrics), a column chooser, ticked runs, child runs folded under their parent, group-by with mean ± std.
   Its whole view lives in the URL fragment (SitegenState): q, sort, cols, sel, group. */
var SitegenGrid = (function () {
  "use strict";
  var el = SitegenDom.el, runUrl = SitegenDom.runUrl, F = SitegenFormat, Rows = SitegenRows;
  var ROW_H = 32;
  var MAX_DEFAULT_VALUES = 30;  // value columns shown by default in the grid
  var MAX_DEFAULT_PARAMS = 12;  // parameter columns shown by default
  var MAX_TICKED = 50;  // runs ticked at most (a comparison, the learning curves)
  var DEFAULT_SORT = "-number";

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function names(runs, pick) {  // the union of the keys of pick(run), sorted
    var seen = new Set();
    runs.forEach(function (r) { Object.keys(pick(r) || {}).forEach(function (k) { seen.add(k); }); });
    return Array.from(seen).sort();
  }

  /** The grid's columns: {key, label, part ("run" | "params" | "metrics"), num, get}. The manifest
      (data) names the parameters (and those with numbers) before any row is in. */
  function columns(runs, data) {
    var valueNames = data.scalars.concat(data.series.filter(function (n) { return data.scalars.indexOf(n) < 0; }));
    var paramNames = data.params || names(runs, function (r) { return r.params; });
    var numeric = data.numeric_params ? new Set(data.numeric_params) : null;
    var base = [
      {key: "number", label: "#", num: true, get: function (r) { return r.number; }},
      {key: "name", label: "Name", get: function (r) { return r.name; }},
      {key: "status", label: "Status", get: function (r) { return r.status; }},
      {key: "script", label: "Script", get: function (r) { return r.script; }},
      {key: "start", label: "Started", get: function (r) { return r.start; }, show: F.when, exact: true},
      {key: "duration", label: "Duration", num: true, get: function (r) { return r.duration; }, show: F.took, exact: true},
      {key: "tags", label: "Tags", get: function (r) { return SitegenQuery.tagText(r.tags); }},
      {key: "id", label: "Run id", get: function (r) { return r.id; }}
    ].map(function (c) { c.part = "run"; return c; });
    var params = paramNames.map(function (n) {
      var num = numeric ? numeric.has(n) : runs.some(function (r) { return r.params && typeof r.params[n] === "number"; });
      return {key: "p:" + n, label: n, part: "params", num: num, value: true,
              get: function (r) { return r.params ? r.params[n] : undefined; }};
    });
    var metrics = valueNames.map(function (n) {
      return {key: "v:" + n, label: n, part: "metrics", num: true, value: true,
              get: function (r) { return r.values[n]; }};
    });
    return base.concat(params, metrics);
  }
  var PARTS = [["run", "Run"], ["params", "Parameters"], ["metrics", "Metrics"]];

  /** What the grid can group by: script, status, each parameter and each tag. */
  function groupings(runs, cols, tags) {
    var out = [{key: "script", label: "Script", get: function (r) { return r.script; }},
               {key: "status", label: "Status", get: function (r) { return r.status; }}];
    cols.forEach(function (c) { if (c.part === "params") out.push({key: c.key, label: c.label, part: "Parameters", get: c.get}); });
    (tags || names(runs, function (r) { return r.tags && typeof r.tags === "object" ? r.tags : null; })).forEach(function (n) {
      out.push({key: "t:" + n, label: n, part: "Tags", get: function (r) { return r.tags ? r.tags[n] : undefined; }});
    });
    return out;
  }

  function defaultKeys(cols, several) {
    var narrow = window.matchMedia && window.matchMedia("(max-width: 600px)").matches;
    var nParams = 0, nValues = 0;
    return cols.filter(function (c) {
      if (c.part === "params") return ++nParams <= (narrow ? 2 : MAX_DEFAULT_PARAMS);
      if (c.part === "metrics") return ++nValues <= (narrow ? 3 : MAX_DEFAULT_VALUES);
      if (narrow && (c.key === "start" || c.key === "duration")) return false;
      return c.key !== "id" && c.key !== "tags" && (c.key !== "script" || several);
    }).map(function (c) { return c.key; });
  }

  /** Per-column figures of a group: numbers -> stats; text -> the common value (else undefined). */
  function aggregate(g, c) {
    if (!g.agg) g.agg = {};
    if (!(c.key in g.agg)) {
      var vals = g.runs.map(c.get);
      if (c.num) g.agg[c.key] = Rows.stats(vals);
      else g.agg[c.key] = vals.every(function (v) { return v === vals[0]; }) ? {common: vals[0]} : {kinds: new Set(vals).size};
    }
    return g.agg[c.key];
  }
  function groupSortValue(g, c) {
    if (c.key === "group") return g.value;
    if (c.key === "count") return g.runs.length;
    var a = aggregate(g, c);
    if (!a) return null;
    return c.num ? a.mean : a.common;
  }

  /** The grid of runs, in #grid-scroll, with its tools (filter, Group by, Columns, Compare, Copy link).
      data: the manifest (data/index.js); when it names shards, runs is empty at first and the rows come
      through api.add(rows, last) (newest first: the default view shows them as they come; any other
      view, and children under their parents, once every row is in). */
  function init(runs, data, several) {
    var scroll = document.getElementById("grid-scroll");
    var table = document.getElementById("grid");
    var thead = table.tHead, tbody = table.tBodies[0];
    var filterBox = document.getElementById("grid-filter");
    var filterError = document.getElementById("grid-filter-error");
    var status = document.getElementById("grid-status");
    var compareBtn = document.getElementById("grid-compare");
    var groupBox = document.getElementById("grid-group");
    var linkBtn = document.getElementById("grid-link");
    var hintBox = document.getElementById("grid-hint");
    var chooser = document.querySelector("#grid-columns .columns-list");
    var cols = columns(runs, data);
    var byKey = new Map(cols.map(function (c) { return [c.key, c]; }));
    var groups = groupings(runs, cols, data.tags);
    var groupBy = new Map(groups.map(function (g) { return [g.key, g]; }));
    var byId = new Map(runs.map(function (r) { return [r.id, r]; }));
    var complete = !data.shards, progress = "";  // every row in (else: "n of N" loaded)
    var defaults = defaultKeys(cols, several);
    var storeKey = "sitegen.columns:" + location.pathname.split("/").slice(-1)[0];

    // the view (read from the address by load())
    var query = "", predicate = null, sortKey = "number", sortDesc = true, visible = defaults;
    var selected = [], grouping = null;
    var open = new Set();          // expanded parents (run ids) and groups ("g:" + key)
    var lines = [], matched = 0, matching = [], statusText = "";   // what the grid shows: [{run, depth, kids} | {group}], runs matching

    function known(keys) {  // column keys from a link; a bare value or parameter name works too
      keys = keys.map(function (k) {
        return byKey.has(k) ? k : byKey.has("v:" + k) ? "v:" + k : byKey.has("p:" + k) ? "p:" + k : null;
      }).filter(Boolean);
      return keys.length ? keys : null;
    }
    function storedCols() {
      try {
        var v = JSON.parse(localStorage.getItem(storeKey) || "null");
        if (Array.isArray(v)) return known(v);
      } catch (e) { /* storage blocked (file://) */ }
      return null;
    }
    function sameKeys(a, b) { return a.length === b.length && a.every(function (k, i) { return k === b[i]; }); }
    function colsValue() { return sameKeys(visible, defaults) ? null : visible; }
    function sortValue() { var s = (sortDesc ? "-" : "") + sortKey; return s === DEFAULT_SORT ? null : s; }

    /** Read the whole view from the address (at start, and after back/forward). */
    function load() {
      query = SitegenState.get("q") || "";
      if (filterBox.value !== query) filterBox.value = query;
      predicate = filterFor(query, null);
      var g = SitegenState.get("group");
      grouping = g && groupBy.has(g) ? groupBy.get(g) : null;
      if (groupBox) groupBox.value = grouping ? grouping.key : "";
      var s = SitegenState.get("sort") || DEFAULT_SORT;
      var desc = s.charAt(0) === "-", key = desc ? s.slice(1) : s;
      var okKey = byKey.has(key) || (grouping && (key === "group" || key === "count"));
      sortKey = okKey ? key : "number"; sortDesc = okKey ? desc : true;
      visible = known(SitegenState.getList("cols")) || storedCols() || defaults;
      chooser.querySelectorAll("input[data-key]").forEach(function (box) {
        box.checked = visible.indexOf(box.getAttribute("data-key")) >= 0;
      });
      syncParts();
      selected = SitegenState.getList("sel").filter(function (id) { return !complete || byId.has(id); }).slice(0, MAX_TICKED);
      compareBtn.disabled = selected.length < 2;
    }
    function save(changes, opts) { SitegenState.set(changes, opts); }

    // ---- column chooser: one box per column, under a box per part (all of its columns at once)
    var partBoxes = {};
    function setVisible(keys) {
      var want = new Set(keys);
      visible = cols.map(function (c) { return c.key; }).filter(function (k) { return want.has(k); });
      try { localStorage.setItem(storeKey, JSON.stringify(visible)); } catch (e) { /* ignore */ }
      save({cols: colsValue()});
      syncParts(); render(true);
    }
    function syncParts() {
      PARTS.forEach(function (p) {
        var box = partBoxes[p[0]];
        if (!box) return;
        var mine = cols.filter(function (c) { return c.part === p[0]; });
        var on = mine.filter(function (c) { return visible.indexOf(c.key) >= 0; }).length;
        box.checked = on === mine.length; box.indeterminate = on > 0 && on < mine.length;
      });
    }
    PARTS.forEach(function (p) {
      var mine = cols.filter(function (c) { return c.part === p[0]; });
      if (!mine.length) return;
      var head = el("label", {"class": "part"});
      var all = el("input", {type: "checkbox", "data-part": p[0]});
      partBoxes[p[0]] = all;
      all.addEventListener("change", function () {
        var keys = new Set(visible);
        mine.forEach(function (c) { if (all.checked) keys.add(c.key); else keys.delete(c.key); });
        chooser.querySelectorAll("input[data-key]").forEach(function (b) { b.checked = keys.has(b.getAttribute("data-key")); });
        setVisible(Array.from(keys));
      });
      head.appendChild(all);
      head.appendChild(document.createTextNode(" " + p[1]));
      chooser.appendChild(head);
      mine.forEach(function (c) {
        var label = el("label");
        var box = el("input", {type: "checkbox", "data-key": c.key});
        box.addEventListener("change", function () {
          setVisible(box.checked ? visible.concat([c.key]) : visible.filter(function (k) { return k !== c.key; }));
        });
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + c.label));
        chooser.appendChild(label);
      });
    });

    // ---- group by
    if (groupBox) {
      var parts = {};
      groups.forEach(function (g) {
        var parent = groupBox;
        if (g.part) {
          if (!parts[g.part]) { parts[g.part] = el("optgroup", {label: g.part}); groupBox.appendChild(parts[g.part]); }
          parent = parts[g.part];
        }
        parent.appendChild(el("option", {value: g.key}, g.label));
      });
      groupBox.addEventListener("change", function () {
        grouping = groupBy.get(groupBox.value) || null;
        if (!grouping && (sortKey === "group" || sortKey === "count")) { sortKey = "number"; sortDesc = true; }
        save({group: grouping ? grouping.key : null, sort: sortValue()});
        scroll.scrollTop = 0; apply(); render(true);
      });
    }

    function shown() {
      var vis = new Set(visible);
      var cs = cols.filter(function (c) { return vis.has(c.key); });
      if (!grouping) return cs;
      return [{key: "group", label: grouping.label, part: "group", get: grouping.get},
              {key: "count", label: "Runs", part: "group", num: true}].concat(cs);
    }

    function header() {
      thead.textContent = "";
      var cs = shown();
      var partRow = el("tr", {"class": "parts"}), tr = el("tr");
      partRow.appendChild(el("th", {"class": "sel"}, ""));
      var last = null, span = null;
      cs.forEach(function (c) {
        if (c.part !== last) {
          var name = {params: "Parameters", metrics: "Metrics", group: "Group"}[c.part] || "";
          span = el("th", {scope: "colgroup", colspan: "0", "class": "part-" + c.part}, name);
          partRow.appendChild(span); last = c.part;
        }
        span.setAttribute("colspan", String(Number(span.getAttribute("colspan")) + 1));
      });
      tr.appendChild(el("th", {"class": "sel", scope: "col"}, ""));
      cs.forEach(function (c) {
        var th = el("th", {scope: "col", "class": (c.num ? "num " : "") + "sortable part-" + c.part,
                           title: "Sort by " + c.label,
                           "aria-sort": c.key === sortKey ? (sortDesc ? "descending" : "ascending") : null});
        th.textContent = c.label + (c.key === sortKey ? (sortDesc ? " ▾" : " ▴") : "");
        th.addEventListener("click", function () {
          if (sortKey === c.key) sortDesc = !sortDesc; else { sortKey = c.key; sortDesc = !!c.num; }
          save({sort: sortValue()});
          apply(); render(true);
        });
        tr.appendChild(th);
      });
      if (cs.some(function (c) { return c.part !== "run"; })) thead.appendChild(partRow);
      thead.appendChild(tr);
    }

    function sortCol() {
      return byKey.get(sortKey) || (sortKey === "group" || sortKey === "count" ? {key: sortKey} : byKey.get("number"));
    }
    // every run in the sort's order (a filter keeps it: no sort again), from each column's ranks
    // (SitegenRows.rankJob), kept until the rows change: a column sorts in either direction at once
    // once ranked. Ranking works SitegenGrid.sortSlice ms a task; until it is done the grid keeps
    // showing the rows in their previous order (never half sorted) and says "Sorting…".
    var ordered = null, orderedBy = "", ranked = new Map(), jobs = new Map(), sorting = false, generation = 0;
    function rankJobOf(key) {
      if (!jobs.has(key)) jobs.set(key, Rows.rankJob(runs.map(byKey.get(key).get)));
      return jobs.get(key);
    }
    function stepRanks(key, ms) {  // work on key's ranks for ms; true once they are in
      if (ranked.has(key)) return true;
      var job = rankJobOf(key);
      if (!job.step(ms)) return false;
      jobs.delete(key);
      ranked.set(key, {ranks: job.ranks, blank: job.blank});
      return true;
    }
    function inOrder() {
      var key = sortCol().get ? sortKey : "number", by = (sortDesc ? "-" : "") + key;
      if (by === orderedBy) return ordered;
      if (!stepRanks(key, SitegenGrid.sortSlice)) {
        if (!sorting) {
          sorting = true;
          setTimeout(function () { sorting = false; apply(); render(); }, 0);  // on with it in the next task
        }
        return null;
      }
      ordered = Rows.permute(runs, Rows.orderBy(ranked.get(key), sortDesc)); orderedBy = by;
      return ordered;
    }
    /** In idle time, rank the text columns shown (their collator sort is the slow part): a click on
        their header then sorts at once. */
    function warm() {
      if (!window.requestIdleCallback) return;
      var gen = generation, todo = shown().filter(function (c) { return c.get && !c.num && byKey.has(c.key); })
        .map(function (c) { return c.key; });
      requestIdleCallback(function work(deadline) {
        if (gen !== generation) return;  // the rows changed: ranks of the new ones when asked
        while (todo.length && deadline.timeRemaining() > 2) {
          if (stepRanks(todo[0], Math.min(deadline.timeRemaining() - 1, 40))) todo.shift();
        }
        if (todo.length) requestIdleCallback(work);
      });
    }

    /** Work out the lines the grid shows from the runs, the filter, the grouping and what is open:
        the runs that match, in order (groups and children keep that order), then grouped or nested. */
    var appliedAt = 0, sortingNow = false;  // when apply() began, until the next render; a sort in slices going on
    function apply() {
      appliedAt = performance.now();
      var all = inOrder();
      sortingNow = !all;
      if (!all) {  // still sorting: the rows shown stay in the order they were
        statusText = "Sorting by " + (sortCol().label || sortKey) + "… · " + matched + " of " + runs.length + " runs";
        return;
      }
      var hits = predicate ? all.filter(predicate) : all.slice();
      matching = hits;
      matched = hits.length;
      lines = [];
      if (grouping) {
        var gs = Rows.group(hits, grouping.get), c = sortCol();
        Rows.sort(gs, function (g) { return groupSortValue(g, c); }, sortDesc);
        gs.forEach(function (g) {
          lines.push({group: g});
          if (open.has("g:" + g.key)) g.runs.forEach(function (r) { lines.push({run: r, depth: 1}); });
        });
      } else {
        var tree = Rows.nest(hits);
        var add = function (r, depth) {
          var kids = tree.kids.get(r.id);
          lines.push({run: r, depth: depth, kids: kids});
          if (kids && open.has(r.id)) kids.forEach(function (k) { add(k, depth + 1); });
        };
        tree.roots.forEach(function (r) { add(r, 0); });
      }
      statusText = (complete ? "" : "Loading runs (" + progress + "): ") + matched + " of " + runs.length + " runs" +
        (grouping ? " in " + plural(lines.filter(function (l) { return l.group; }).length, "group") : "") +
        (selected.length ? " · " + selected.length + " ticked" : "");
      var unknown = matched || !complete ? [] : SitegenQuery.gridUnknown(query, runs);  // a typo in a name, most likely
      if (unknown.length) statusText += " · no run has a value named " + unknown.map(JSON.stringify).join(", ");
      tell();
    }
    var telling = false;
    function tell() {  // charts that follow the grid redraw: after the grid has painted, once per change
      if (telling) return;
      telling = true;
      requestAnimationFrame(function () {
        setTimeout(function () { telling = false; document.dispatchEvent(new CustomEvent("sitegen:view")); }, 0);
      });
    }

    function spacer(h, n) {
      var tr = el("tr", {"class": "spacer", "aria-hidden": "true"});
      var td = el("td", {colspan: String(n)}); tr.appendChild(td); tr.style.height = h + "px";
      return tr;
    }
    function fold(key, isOpen, text, what) {
      return el("button", {type: "button", "class": "fold", "data-fold": key, "aria-expanded": String(isOpen),
                           title: (isOpen ? "Hide " : "Show ") + what}, (isOpen ? "▾ " : "▸ ") + text);
    }
    function runCell(c, r) {
      var v = c.get ? c.get(r) : null;
      var td = el("td", {"class": c.num ? "num" : null});
      if (c.part === "group") return td;
      if (c.key === "number" || c.key === "name") {
        td.appendChild(el("a", {href: runUrl(r.id)}, c.key === "number" ? "#" + (v == null ? "?" : v) : (v || r.id)));
      } else if (c.key === "status") {
        td.appendChild(el("span", {"class": "badge badge-" + String(v).toLowerCase()}, v));
      } else {
        td.textContent = c.show ? c.show(v) : F.value(v);
        if ((c.value || c.exact) && v != null && v !== "") td.title = String(v);
      }
      return td;
    }
    // a group's figures take a pass over its runs per column (50,000 runs in 5 groups: ~0.2 s in
    // all): a render works them out for SitegenGrid.aggSlice ms (at least one), shows "…" for the rest
    // and renders again in a later task, until every figure on screen is in
    var aggDeadline = 0, aggDone = 0, aggMissing = false, aggTimer = null;
    function groupCell(c, g) {
      var td = el("td", {"class": c.num ? "num" : null});
      if (c.key === "group") {
        var text = g.value == null ? "(none)" : F.value(g.value);
        td.appendChild(fold("g:" + g.key, open.has("g:" + g.key), text, "the runs of " + text));
        return td;
      }
      if (c.key === "count") { td.textContent = String(g.runs.length); return td; }
      if (c.key === "number" || c.key === "name" || c.key === "id") return td;
      if (!(g.agg && c.key in g.agg)) {
        if (aggDone && performance.now() > aggDeadline) {
          td.textContent = "…"; td.className = "muted"; td.setAttribute("data-pending", ""); aggMissing = true;
          return td;
        }
        aggDone++;
      }
      var a = aggregate(g, c);
      if (!a) return td;
      if (c.num) {
        var show = c.show || F.value;
        td.textContent = a.min === a.max ? show(a.min) : (c.show ? show(a.mean) + " ± " + show(a.std) : F.meanStd(a.mean, a.std));
        td.title = "mean " + a.mean + " ± " + a.std + " (sample std) · min " + a.min + " – max " + a.max +
                   " · " + a.n + " of " + g.runs.length + " runs";
        td.setAttribute("data-mean", String(a.mean)); td.setAttribute("data-std", String(a.std));
        td.setAttribute("data-min", String(a.min)); td.setAttribute("data-max", String(a.max));
        td.setAttribute("data-n", String(a.n));
      } else if ("common" in a) {
        td.textContent = F.value(a.common);
      } else {
        td.textContent = a.kinds + " values"; td.className = "muted";
      }
      return td;
    }
    function line(l, cs) {
      if (l.group) {
        var gtr = el("tr", {"class": "group-row", "data-group": l.group.key});
        gtr.appendChild(el("td", {"class": "sel"}));
        cs.forEach(function (c) { gtr.appendChild(groupCell(c, l.group)); });
        return gtr;
      }
      var r = l.run, ticked = selected.indexOf(r.id) >= 0;
      var tr = el("tr", {"data-id": r.id, "class": (ticked ? "ticked" : "") + (l.depth ? " child" : "") || null});
      var td = el("td", {"class": "sel"});
      var box = el("input", {type: "checkbox", "aria-label": "Tick run " + r.number, "data-id": r.id});
      box.checked = ticked;
      td.appendChild(box); tr.appendChild(td);
      cs.forEach(function (c, i) {
        var cell = runCell(c, r);
        if (i === 0 && !grouping) {
          if (l.depth) cell.style.paddingLeft = (0.6 + 1.2 * l.depth) + "rem";
          if (l.kids) {
            var n = l.kids.length;
            cell.insertBefore(fold(r.id, open.has(r.id), String(n), n + " child run" + (n === 1 ? "" : "s")), cell.firstChild);
          }
        }
        tr.appendChild(cell);
      });
      return tr;
    }
    /** Draw the rows on screen (and the header too): the box's geometry is read before anything is
        written, so that a change costs one layout, in the next frame. */
    var windowEnd = 0, drawnTo = 0;  // the lines the screen (and a margin) reaches; the lines drawn: [first, drawnTo)
    function render(withHeader) {
      // the box may still be empty (its height: the header) at the first render: fill the window
      var top = scroll.scrollTop, height = Math.max(scroll.clientHeight, window.innerHeight || 800);
      if (withHeader) header();
      var cs = shown();
      // the figures get aggSlice ms, less what apply() took of it in this task (a group-by of 50,000 runs)
      var t = performance.now();
      aggDeadline = Math.min(t + SitegenGrid.aggSlice, appliedAt ? appliedAt + SitegenGrid.aggSlice : Infinity);
      appliedAt = 0; aggDone = 0; aggMissing = false;
      var first = Math.max(0, Math.floor(top / ROW_H) - 10);
      windowEnd = Math.ceil((top + height) / ROW_H) + 10;
      var last = drawnTo = Math.min(lines.length, windowEnd);
      var frag = document.createDocumentFragment();
      if (first > 0) frag.appendChild(spacer(first * ROW_H, cs.length + 1));
      for (var i = first; i < last; i++) frag.appendChild(line(lines[i], cs));
      if (last < lines.length) frag.appendChild(spacer((lines.length - last) * ROW_H, cs.length + 1));
      tbody.textContent = "";
      tbody.appendChild(frag);
      if (!lines.length) {
        var tr0 = el("tr"); tr0.appendChild(el("td", {colspan: String(cs.length + 1), "class": "muted"},
          !complete ? "Loading runs…" : sortingNow ? "Sorting runs…" : runs.length ? "No run matches the filter." : "No runs yet."));
        tbody.appendChild(tr0);
      }
      if (status.textContent !== statusText) status.textContent = statusText;
      if (aggMissing && !aggTimer) aggTimer = setTimeout(function () { aggTimer = null; render(); }, 0);
      hint();
    }
    var hinting = false;
    function hint() {  // in the next frame (reading widths forces a layout): once per frame at most
      if (hinting) return;
      hinting = true;
      requestAnimationFrame(function () { hinting = false; hintNow(); });
    }
    function hintNow() {  // more columns than fit: say so under the grid (a phone shows few at a time)
      var more = scroll.scrollWidth - scroll.clientWidth > 4;
      var end = scroll.scrollLeft + scroll.clientWidth >= scroll.scrollWidth - 4;
      scroll.classList.toggle("scrolls-x", more);
      scroll.classList.toggle("scrolled-end", end);
      if (hintBox) hintBox.hidden = !more || end;
    }

    tbody.addEventListener("change", function (ev) {
      var t = ev.target;
      if (!t || t.type !== "checkbox") return;
      var id = t.getAttribute("data-id");
      if (t.checked) { if (selected.indexOf(id) < 0) selected.push(id); }
      else selected = selected.filter(function (x) { return x !== id; });
      if (selected.length > MAX_TICKED) {
        var drop = selected.shift();
        var other = tbody.querySelector('input[data-id="' + drop + '"]');
        if (other) other.checked = false;
      }
      compareBtn.disabled = selected.length < 2;
      save({sel: selected});
      apply(); render();
    });
    tbody.addEventListener("click", function (ev) {
      var b = ev.target.closest ? ev.target.closest("button[data-fold]") : null;
      if (!b) return;
      var k = b.getAttribute("data-fold");
      if (open.has(k)) open.delete(k); else open.add(k);
      apply(); render();
    });
    compareBtn.addEventListener("click", function () {
      if (selected.length < 2) return;
      var order = selected.slice().sort(function (a, b) {
        var ra = byId.get(a), rb = byId.get(b);
        return Rows.compare(ra.start, rb.start) || Rows.compare(ra.number, rb.number);
      });
      location.href = SitegenDom.url("compare.html") + "#ids=" + SitegenState.joinList(order);
    });
    if (linkBtn) linkBtn.addEventListener("click", function () { copyLink(linkBtn); });
    var timer = null;
    filterBox.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        save({q: filterBox.value}, {coalesce: "q"});  // one history entry for a burst of typing
        setFilter(filterBox.value);
      }, 60);
    });
    var ticking = false;
    scroll.addEventListener("scroll", function () {
      if (ticking) return; ticking = true;
      requestAnimationFrame(function () { ticking = false; render(); });
    });
    window.addEventListener("resize", render);
    SitegenState.onChange(function () { load(); apply(); render(true); });

    /** The row predicate for the filter box's text (a query, or plain text: a substring search). A
        query that does not parse is shown under the box, and the rows stay as they were (kept). */
    function filterFor(text, kept) {
      var fn;
      try { fn = SitegenGrid.predicateFor(text); } catch (e) {
        if (!(e instanceof SitegenQuery.QueryError)) throw e;
        filterError.textContent = "Not a valid query " + e.message + ". " + SitegenQuery.HELP;
        filterError.hidden = false;
        filterBox.setAttribute("aria-invalid", "true");
        return kept;
      }
      filterError.hidden = true;
      filterBox.removeAttribute("aria-invalid");
      return fn;
    }
    /** Show only the runs for which fn(run) is true (null: all), e.g. a parsed query's matches. */
    function setPredicate(fn) { predicate = fn || null; scroll.scrollTop = 0; apply(); render(); }
    /** Filter by the text in the filter box. */
    function setFilter(text) { query = text; setPredicate(filterFor(text, predicate)); }

    /** Rows of a shard (SitegenShards); last: every row is in. The default view (newest first, no filter,
        no grouping) shows them as they come, below those before (the shards come newest first); any
        other view waits for the last. Then the whole view is read again from the address (ticked runs
        of a link were kept while their rows were not in). */
    function add(rows, last, loaded) {
      rows.forEach(function (r) { runs.push(r); byId.set(r.id, r); });
      ordered = null; orderedBy = ""; progress = loaded || "";
      ranked.clear(); jobs.clear(); generation++;
      if (last) {
        complete = true;
        load();
        save({sel: selected}, {replace: true});
        apply(); render(true);
        warm();
        return;
      }
      var plain = !predicate && !grouping && sortKey === "number" && sortDesc, before = lines.length;
      if (plain) {
        Rows.sort(rows.slice(), byKey.get("number").get, true).forEach(function (r) { lines.push({run: r, depth: 0}); });
        matched = lines.length; matching = null;
      }
      statusText = "Loading runs (" + progress + "): " + (plain ? matched + " shown" : "the view shows once all are in");
      // rows below the screen (the shards after the first): the rows shown stay, only the space below
      // them and the status change (no render and table layout a shard: 50 shards, ~1 s at 50,000 runs)
      var below = plain && before >= windowEnd && tbody.lastChild && tbody.lastChild.className === "spacer";
      if (!drawing) {
        drawing = true;
        requestAnimationFrame(function () { drawing = false; if (below) more(); else render(); });
      }
    }
    var drawing = false;
    function more() {  // lines added below those drawn: the spacer under them grows
      var spacerRow = tbody.lastChild;
      if (!spacerRow || spacerRow.className !== "spacer" || drawnTo > lines.length) { render(); return; }
      spacerRow.style.height = (lines.length - drawnTo) * ROW_H + "px";
      if (status.textContent !== statusText) status.textContent = statusText;
    }

    var api = {add: add, complete: function () { return complete; },
               /** Every run loaded (the grid's one copy: do not change it). */
               all: function () { return runs; },
               rows: function () { return lines.filter(function (l) { return l.run; }).map(function (l) { return l.run; }); },
               /** Every run the filter lets through, in the grid's order (also those folded away). */
               matching: function () { return (matching || []).slice(); },
               render: render, setPredicate: setPredicate, setFilter: setFilter,
               /** True once column key is ranked (a click on its header sorts at once). */
               ranked: function (key) { return ranked.has(key); }};
    load();
    // the address names the whole view from the start (columns kept in this browser included)
    save({cols: colsValue(), sel: selected, sort: sortValue()}, {replace: true});
    apply(); render(true);
    if (complete) warm();
    SitegenGrid.current = api;
    return api;
  }

  /** Copy the page's address (the whole view) to the clipboard; the button says it did. */
  function copyLink(btn) {
    var url = location.href, label = btn.getAttribute("data-label") || btn.textContent;
    btn.setAttribute("data-label", label);
    function done(ok) {
      btn.textContent = ok ? "Link copied" : "Copy failed: use the address bar";
      btn.setAttribute("data-copied", ok ? url : "");
      setTimeout(function () { btn.textContent = label; }, 2000);
    }
    function fallback() {
      var t = el("textarea", {readonly: "", "aria-hidden": "true"});
      t.value = url; t.style.position = "fixed"; t.style.opacity = "0";
      document.body.appendChild(t); t.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(t);
      done(ok);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(function () { done(true); }, fallback);
    } else fallback();
  }

  // predicateFor(text) -> a row predicate (null: every row) for the filter box's text (throws
  // SitegenQuery.QueryError for a query that does not parse)
  return {init: init, current: null, aggSlice: 40, sortSlice: 50, predicateFor: SitegenQuery.gridFilter, copyLink: copyLink};
})();
