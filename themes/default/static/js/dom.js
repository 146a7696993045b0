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

  /** Load a site file by <script src> (works from file://), once a page: resolves to true when it
      has run, false when it failed. */
  var scripts = {};
  function loadScript(path) {
    if (!scripts[path]) {
      scripts[path] = new Promise(function (resolve) {
        var s = document.createElement("script");
        s.src = url(path);
        s.onload = function () { resolve(true); };
        s.onerror = function () { resolve(false); };
        document.head.appendChild(s);
      });
    }
    return scripts[path];
  }

  return {url: url, runUrl: runUrl, el: el, loadScript: loadScript};
})();
