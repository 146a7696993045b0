/* sitegen: the dashboard's runs grid (virtual rows, sortable columns, a column chooser, ticking runs). */
var SitegenGrid = (function () {
  "use strict";
  var el = SitegenDom.el, runUrl = SitegenDom.runUrl, fmt = SitegenFormat.value;
  var ROW_H = 32;
  var MAX_DEFAULT_VALUES = 30;  // value columns shown by default in the grid

  function columns(data) {
    var valueNames = data.scalars.concat(data.series.filter(function (n) { return data.scalars.indexOf(n) < 0; }));
    var base = [
      {key: "number", label: "#", num: true, get: function (r) { return r.number; }},
      {key: "name", label: "Name", get: function (r) { return r.name; }},
      {key: "status", label: "Status", get: function (r) { return r.status; }},
      {key: "script", label: "Script", get: function (r) { return r.script; }},
      {key: "start", label: "Started (UTC)", get: function (r) { return r.start.replace("T", " ").slice(0, 19); }},
      {key: "duration", label: "Duration", num: true, get: function (r) { return r.duration; },
       show: SitegenFormat.clock},
      {key: "tags", label: "Tags", get: function (r) { return SitegenQuery.tagText(r.tags); }},
      {key: "id", label: "Run id", get: function (r) { return r.id; }}
    ];
    return {nValues: valueNames.length, all: base.concat(valueNames.map(function (n) {
      return {key: "v:" + n, label: n, num: true, value: true, get: function (r) { return r.values[n]; }};
    }))};
  }

  /** The grid of runs, in #grid-scroll, with its tools (filter, Columns, Compare). */
  function init(runs, data, several) {
    var scroll = document.getElementById("grid-scroll");
    var table = document.getElementById("grid");
    var thead = table.tHead, tbody = table.tBodies[0];
    var filterBox = document.getElementById("grid-filter");
    var filterError = document.getElementById("grid-filter-error");
    var status = document.getElementById("grid-status");
    var compareBtn = document.getElementById("grid-compare");
    var chooser = document.querySelector("#grid-columns .columns-list");
    var made = columns(data), cols = made.all;
    var defaults = cols.filter(function (c) {
      return c.key !== "id" && c.key !== "tags" && (c.key !== "script" || several);
    }).map(function (c) { return c.key; });
    var colKeys = new Set(cols.map(function (c) { return c.key; }));
    var nBase = defaults.length - made.nValues;
    defaults = defaults.slice(0, nBase + MAX_DEFAULT_VALUES);  // more columns: pick them in Columns
    var storeKey = "sitegen.columns:" + location.pathname.split("/").slice(-1)[0];
    var visible = readHashCols() || readStoredCols() || defaults;
    var sortKey = "number", sortDesc = true, predicate = null;
    var selected = [];
    var rows = runs.slice();

    function known(keys) {
      keys = keys.filter(function (k) { return colKeys.has(k); });
      return keys.length ? keys : null;
    }
    function readHashCols() {
      var raw = SitegenState.parse(location.hash).cols;
      return raw == null ? null : known(SitegenState.list(raw));
    }
    function readStoredCols() {
      try {
        var v = JSON.parse(localStorage.getItem(storeKey) || "null");
        if (Array.isArray(v)) return known(v);
      } catch (e) { /* storage blocked (file://) */ }
      return null;
    }
    function saveCols() {
      try { localStorage.setItem(storeKey, JSON.stringify(visible)); } catch (e) { /* ignore */ }
      var hash = "#cols=" + SitegenState.joinList(visible);
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

    function apply() {
      var col = cols.filter(function (c) { return c.key === sortKey; })[0] || cols[0];
      rows = predicate ? runs.filter(predicate) : runs.slice();
      SitegenRows.sort(rows, col.get, sortDesc);
      status.textContent = rows.length + " of " + runs.length + " runs" +
        (selected.length ? " · " + selected.length + " ticked" : "");
    }

    function spacer(h, n) {
      var tr = el("tr", {"class": "spacer", "aria-hidden": "true"});
      var td = el("td", {colspan: String(n)}); tr.appendChild(td); tr.style.height = h + "px";
      return tr;
    }
    function cell(c, r) {
      var v = c.get(r);
      var td = el("td", {"class": c.num ? "num" : null});
      if (c.key === "number" || c.key === "name") {
        td.appendChild(el("a", {href: runUrl(r.id)}, c.key === "number" ? "#" + (v == null ? "?" : v) : (v || r.id)));
      } else if (c.key === "status") {
        td.appendChild(el("span", {"class": "badge badge-" + String(v).toLowerCase()}, v));
      } else {
        td.textContent = c.show ? c.show(v) : fmt(v);
        if (c.value && v != null) td.title = String(v);
      }
      return td;
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
        cs.forEach(function (c) { tr.appendChild(cell(c, r)); });
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
      var byId = {};
      runs.forEach(function (r) { byId[r.id] = r; });
      var order = selected.slice().sort(function (a, b) {
        return SitegenRows.compare(byId[a].start, byId[b].start) || SitegenRows.compare(byId[a].number, byId[b].number);
      });
      location.href = SitegenDom.url("compare.html") + "#ids=" + SitegenState.joinList(order);
    });
    var timer = null;
    filterBox.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { setFilter(filterBox.value); }, 60);
    });
    var ticking = false;
    scroll.addEventListener("scroll", function () {
      if (ticking) return; ticking = true;
      requestAnimationFrame(function () { ticking = false; render(); });
    });
    window.addEventListener("resize", render);

    /** Show only the runs for which fn(run) is true (null: all), e.g. a parsed query's matches. */
    function setPredicate(fn) { predicate = fn || null; apply(); scroll.scrollTop = 0; render(); }
    /** Filter by the text in the filter box (a query, or plain text: a substring search). A query
        that does not parse is shown under the box, and the rows stay as they were. */
    function setFilter(text) {
      var fn;
      try { fn = SitegenGrid.predicateFor(text); } catch (e) {
        if (!(e instanceof SitegenQuery.QueryError)) throw e;
        filterError.textContent = "Not a valid query: " + e.message + ". " + SitegenQuery.HELP;
        filterError.hidden = false;
        filterBox.setAttribute("aria-invalid", "true");
        return;
      }
      filterError.hidden = true;
      filterBox.removeAttribute("aria-invalid");
      setPredicate(fn);
    }

    var api = {rows: function () { return rows; }, render: render, setPredicate: setPredicate, setFilter: setFilter};
    header(); apply(); render();
    SitegenGrid.current = api;
    return api;
  }

  // predicateFor(text) -> a row predicate (null: every row) for the filter box's text (throws
  // SitegenQuery.QueryError for a query that does not parse)
  return {init: init, current: null, predicateFor: SitegenQuery.gridFilter};
})();
