/* sitegen: a run page's link to the best run of its script, from data/best.js (one small file that a
   new best run rewrites, instead of every run page). */
var SitegenBest = (function () {
  "use strict";
  /** What to show for run `id` of `script`: null, {badge: true}, or {ids, text} (the runs of the
      comparison compare.html#ids=… to link). Pure (node-tested). */
  function link(best, script, id) {
    var b = best && best.scripts ? best.scripts[script] : null;
    if (!b) return null;
    if (b.id === id) return {badge: true};
    return {ids: [id, b.id],
            text: "Compare with best (#" + (b.number === null || b.number === undefined ? "?" : b.number) + ")"};
  }
  /** Fill every .best-run placeholder of the page from window.SITEGEN_BEST. */
  function fill() {
    var nodes = document.querySelectorAll(".best-run[data-run]");
    Array.prototype.forEach.call(nodes, function (node) {
      var l = link(window.SITEGEN_BEST, node.getAttribute("data-script") || "", node.getAttribute("data-run"));
      node.textContent = "";
      if (!l) return;
      if (l.badge) {
        node.appendChild(SitegenDom.el("span", {"class": "badge badge-best"}, "Best run"));
      } else {
        var href = SitegenDom.url("compare.html") + "#ids=" + SitegenState.joinList(l.ids);
        node.appendChild(SitegenDom.el("a", {href: href}, l.text));
      }
    });
  }
  return {link: link, fill: fill};
})();
if (typeof module !== "undefined") module.exports = SitegenBest;
