/* sitegen: each page's entry point (the inline script of a page calls one of these), loaded last. */
var SG = (function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {  // logs: show the latest lines
    document.querySelectorAll("pre.log").forEach(function (p) { p.scrollTop = p.scrollHeight; });
  });

  /** The dashboard (index.html or a script's page): jobs, the runs grid, then the charts. */
  function dashboard(page) {
    var data = window.SITEGEN_INDEX || {runs: [], scalars: [], series: []};
    var runs = data.runs.filter(function (r) { return page.scope == null || r.script === page.scope; });
    var several = new Set(runs.map(function (r) { return r.script; })).size > 1;
    SitegenJobs.tick();
    SitegenGrid.init(runs, data, several);
    setTimeout(function () {  // the grid paints first
      var curves = document.getElementById("charts-curves");
      SitegenChartControls.settingsBar(curves || document.getElementById("charts-across"));
      if (curves) SitegenOverlay.dashboard(curves, runs, data);
      var sweep = document.getElementById("charts-sweep");
      if (sweep) SitegenParallel.dashboard(sweep, runs, data.primary);
      SitegenCharts.across(runs, page, data);
    }, 0);
  }

  return {dashboard: dashboard, runPage: SitegenOverlay.runPage, bestRun: SitegenBest.fill,
          compareClient: SitegenCompare.client, comparePage: SitegenCompare.page};
})();
