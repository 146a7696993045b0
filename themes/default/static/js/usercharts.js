/* sitegen: the charts of the config's `charts` module, drawn from the Vega-Lite JSON in the page. */
var SitegenUserCharts = (function () {
  "use strict";
  /** Draw every user chart of the page (lazily, like the other charts). */
  function drawAll() {
    var figs = document.querySelectorAll("figure.user-chart");
    Array.prototype.forEach.call(figs, function (fig) {
      var box = fig.querySelector(".user-chart-view"), json = fig.querySelector("script.user-chart-spec");
      if (!box || !json) return;
      try {
        SitegenCharts.embed(box, JSON.parse(json.textContent));
      } catch (e) {
        box.textContent = "Chart failed: " + e.message;
      }
    });
  }
  drawAll();
  return {drawAll: drawAll};
})();
