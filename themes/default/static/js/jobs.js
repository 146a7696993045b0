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
        if (!isNaN(t)) c.textContent = SitegenFormat.took(Math.max(0, Math.floor((now - t) / 1000)));
      });
    }
    update(); setInterval(update, 1000);
  }

  return {tick: tick};
})();
