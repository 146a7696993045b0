/* sitegen: the grid's rows as data: ordering and text search. Pure functions; node-tested. */
var SitegenRows = (function () {
  "use strict";

  function empty(v) { return v == null || v === ""; }

  /** Order of two cell values: numbers before text, text by locale, empty last. */
  function compare(a, b) {
    var an = empty(a), bn = empty(b);
    if (an || bn) return an && bn ? 0 : (an ? 1 : -1);
    var na = typeof a === "number", nb = typeof b === "number";
    if (na && nb) return a - b;
    if (na !== nb) return na ? -1 : 1;
    return String(a).localeCompare(String(b));
  }

  /** Sort rows in place by get(row); empty cells last in both directions. */
  function sort(rows, get, desc) {
    return rows.sort(function (a, b) {
      var av = get(a), bv = get(b);
      var e = empty(av) - empty(bv);
      if (e) return e;
      var c = compare(av, bv);
      return desc ? -c : c;
    });
  }

  /** The text a plain filter searches in a run (lower case). */
  function searchText(r) {
    return [r.number, r.name, r.id, r.status, r.script, r.tags, r.start].join(" ").toLowerCase();
  }

  /** A row predicate for plain filter text: a case-insensitive substring of searchText (null: all). */
  function textPredicate(text) {
    var q = String(text || "").trim().toLowerCase();
    if (!q) return null;
    return function (r) {
      if (r._search == null) r._search = searchText(r);
      return r._search.indexOf(q) >= 0;
    };
  }

  return {compare: compare, sort: sort, searchText: searchText, textPredicate: textPredicate};
})();
if (typeof module !== "undefined") module.exports = SitegenRows;
