/* sitegen: the dashboard's jobs panel: a running job's elapsed time ticks every second. */
var SitegenJobs = (function () {
  "use strict";

  function tick() {
    var cells = document.querySelectorAll(".elapsed[data-start]");
    if (!cells.length) return;
    function update() {
      var now = Date.now();
      cells.forEach(function (c) {
        var t = Date.parse(c.getAttribute("data-start"));
        if (!isNaN(t)) c.textContent = SitegenFormat.clock(Math.max(0, (now - t) / 1000)).replace(/\.\d$/, "");
      });
    }
    update(); setInterval(update, 1000);
  }

  return {tick: tick};
})();
