/* sitegen: site URLs relative to the current page, and element making. */
var SitegenDom = (function () {
  "use strict";
  var ROOT = document.documentElement.getAttribute("data-root") || "";

  /** A site path like "runs/<id>.html" as a URL relative to this page (each segment encoded). */
  function url(path) { return ROOT + path.split("/").map(encodeURIComponent).join("/"); }
  function runUrl(id) { return url("runs/" + id + ".html"); }

  /** An element with attributes (null ones skipped) and text (never parsed as markup). */
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] != null) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = String(text);
    return e;
  }

  return {url: url, runUrl: runUrl, el: el};
})();
