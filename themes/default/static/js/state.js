/* sitegen: the view's state in the URL fragment, so that the whole view is a link:
   index.html#q=...&sort=...&cols=...&sel=...&group=... . parse/format are pure (node-tested); get/set/
   onChange keep the address and the browser history in step with the page:

     SitegenState.get("q")                  -> "Accuracy > 0.9" (decoded text; null when absent)
     SitegenState.getList("cols")           -> ["v:Accuracy", ...]
     SitegenState.set({sort: "-v:Accuracy"}) // one history entry (back/forward walk through changes)
     SitegenState.set({q: text}, {coalesce: "q"})  // consecutive edits of one thing: one entry
     SitegenState.set({cols: keys}, {replace: true}) // no new entry
     SitegenState.onChange(fn)              // fn() after back/forward or an edited address

   A value is a string or a list of strings (comma-separated); null, "" or [] removes its key. */
var SitegenState = (function () {
  "use strict";
  var ORDER = ["q", "sort", "cols", "sel", "group"];  // keys in this order first, then the others

  function decode(s) { try { return decodeURIComponent(s); } catch (e) { return ""; } }
  /** Text for a fragment: percent-encoded, but ":", "@" and "/" (allowed there) kept readable. */
  function encode(s) { return encodeURIComponent(s).replace(/%3A/g, ":").replace(/%40/g, "@").replace(/%2F/g, "/"); }

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

  /** {key: raw value} -> "#k=v&..." (the known keys first, in ORDER; "" when empty). */
  function format(raw) {
    var keys = Object.keys(raw).filter(function (k) { return raw[k] != null && raw[k] !== ""; });
    keys.sort(function (a, b) {
      var ia = ORDER.indexOf(a), ib = ORDER.indexOf(b);
      return (ia < 0 ? ORDER.length : ia) - (ib < 0 ? ORDER.length : ib);
    });
    var s = keys.map(function (k) { return encode(k) + "=" + raw[k]; }).join("&");
    return s ? "#" + s : "";
  }

  /** A comma-separated list of encoded items -> the items (empty ones dropped). */
  function list(raw) {
    if (raw == null || raw === "") return [];
    return String(raw).split(",").map(decode).filter(function (s) { return s !== ""; });
  }

  /** The items as an encoded comma-separated list (commas inside items are encoded). */
  function joinList(items) { return items.map(encode).join(","); }

  /** One encoded value -> its text. */
  function text(raw) { return raw == null ? "" : decode(raw); }

  /** A value (string or list) as its raw fragment text ("" for none). */
  function rawValue(v) {
    if (v == null) return "";
    return Array.isArray(v) ? joinList(v) : encode(String(v));
  }

  /** Apply changes {key: value} to the raw state {key: raw} (a new object). */
  function merge(raw, changes) {
    var out = {};
    for (var k in raw) out[k] = raw[k];
    for (var c in changes) {
      var v = rawValue(changes[c]);
      if (v === "") delete out[c]; else out[c] = v;
    }
    return out;
  }

  // ---- the page's address (browser only)
  var listeners = [], lastTag = null, seen = null;

  function here() { return typeof location === "undefined" ? "" : location.hash; }
  function get(key) {
    var raw = parse(here())[key];
    return raw == null ? null : text(raw);
  }
  function getList(key) { return list(parse(here())[key]); }

  function set(changes, opts) {
    opts = opts || {};
    var hash = format(merge(parse(here()), changes));
    var tag = opts.coalesce || null;
    var replace = opts.replace || (tag !== null && tag === lastTag);
    lastTag = tag;
    if (hash === here() || (hash === "" && here() === "#")) return;
    var target = hash || location.pathname + location.search;
    seen = hash;
    try {
      if (replace) history.replaceState(history.state, "", target);
      else history.pushState(null, "", target);
    } catch (e) {  // a browser refusing the history API here: the plain fragment still works
      location.hash = hash;
    }
  }

  function changed() {
    if (here() === seen) return;  // back/forward fire popstate and hashchange: react once
    seen = here();
    lastTag = null;
    listeners.forEach(function (fn) { fn(); });
  }
  function onChange(fn) {
    if (!listeners.length) {
      seen = here();
      window.addEventListener("popstate", changed);
      window.addEventListener("hashchange", changed);
    }
    listeners.push(fn);
  }

  return {parse: parse, format: format, list: list, joinList: joinList, text: text, merge: merge,
          get: get, getList: getList, set: set, onChange: onChange};
})();
if (typeof module !== "undefined") module.exports = SitegenState;
