/* sitegen: the grid's rows as data: ordering (the filter is SitegenQuery's). Pure functions; node-tested. */
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

  return {compare: compare, sort: sort};
})();
if (typeof module !== "undefined") module.exports = SitegenRows;
