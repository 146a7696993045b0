/* sitegen: each page's entry point (the inline script of a page calls one of these), loaded last. */
var SG = (function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {  // logs: show the latest lines
    document.querySelectorAll("pre.log").forEach(function (p) { p.scrollTop = p.scrollHeight; });
  });

  var PREVIEW_ROWS = 1000;  // rows in (or half of them) before a first chart while the others load

  /** The dashboard (index.html or a script's page): jobs, the runs grid as its shards come (newest
      first), a first look at the sweep (parallel coordinates) from the rows in once there are
      PREVIEW_ROWS (or half), then every chart once every row is in. */
  function dashboard(page) {
    var data = window.SITEGEN_INDEX || {scalars: [], series: [], shards: []};
    var runs = [];  // the grid fills it as the shards come: the one copy of the rows
    var several = page.scope == null && Object.keys(data.scripts || {}).length > 1;
    SitegenJobs.tick();
    var grid = SitegenGrid.init(runs, data, several), seen = 0, previewed = false, done = false;
    SitegenShards.load(data, function (rows, last) {
      seen += rows.length;
      if (page.scope != null) rows = rows.filter(function (r) { return r.script === page.scope; });
      grid.add(rows, last, seen + " of " + (data.count || seen));
      done = last;
      if (last) setTimeout(charts, 0);  // the grid paints first
      else if (!previewed && seen >= Math.min(PREVIEW_ROWS, (data.count || 0) / 2)) {
        previewed = true;  // many rows still to come: a first chart from those in, in the frame after the
        // grid's (a timer would wait behind the shards' scripts: ~0.5 s at 50,000 runs)
        requestAnimationFrame(function () { requestAnimationFrame(preview); });
      }
    });
    function preview() {
      var sweep = document.getElementById("charts-sweep");
      if (!done && sweep) SitegenParallel.preview(sweep, runs.slice(), data.primary, data.count || seen);
    }
    function charts() {  // each part in its own task (thousands of runs: none runs long)
      var curves = document.getElementById("charts-curves"), sweep = document.getElementById("charts-sweep");
      SitegenChartControls.settingsBar(curves || document.getElementById("charts-across"));
      var parts = [function () { if (sweep) SitegenParallel.dashboard(sweep, runs, data.primary, data); },
                   function () { if (curves) SitegenOverlay.dashboard(curves, runs, data); },
                   function () { SitegenCharts.across(runs, page, data); }];
      (function next() { parts.shift()(); if (parts.length) setTimeout(next, 0); })();
    }
  }

  /** A run page: its charts and its "All logged points" download, from its data file. */
  function runPage(id) {
    SitegenOverlay.runPage(id);
    SitegenDownload.attach(id);
  }

  return {dashboard: dashboard, runPage: runPage, bestRun: SitegenBest.fill,
          compareClient: SitegenCompare.client, comparePage: SitegenCompare.page};
})();
