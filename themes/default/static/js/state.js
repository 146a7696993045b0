/* sitegen: the view's state in the URL fragment (#cols=a,b&...). Encode/decode are pure; node-tested. */
var SitegenState = (function () {
  "use strict";

  function decode(s) { try { return decodeURIComponent(s); } catch (e) { return ""; } }

  /** "#a=1&b=x%20y" -> {a: "1", b: "x%20y"}: raw values (decode with text/list); the first of a repeated key wins. */
  function parse(hash) {
    var out = {};
    String(hash || "").replace(/^#/, "").split("&").forEach(function (part) {
      if (!part) return;
      var i = part.indexOf("=");
      var k = decode(i < 0 ? part : part.slice(0, i)), v = i < 0 ? "" : part.slice(i + 1);
      if (k && !Object.prototype.hasOwnProperty.call(out, k)) out[k] = v;
    });
    return out;
  }

  /** A comma-separated list of encoded items -> the items (empty ones dropped). */
  function list(raw) {
    if (raw == null || raw === "") return [];
    return String(raw).split(",").map(decode).filter(function (s) { return s !== ""; });
  }

  /** The items as an encoded comma-separated list (commas inside items are encoded). */
  function joinList(items) { return items.map(encodeURIComponent).join(","); }

  /** One encoded value -> its text. */
  function text(raw) { return raw == null ? "" : decode(raw); }

  return {parse: parse, list: list, joinList: joinList, text: text};
})();
if (typeof module !== "undefined") module.exports = SitegenState;
