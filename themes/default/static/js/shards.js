/* sitegen: the dashboard's data in pieces. data/index.js (SITEGEN_INDEX, the manifest) names the grid's
   row shards (data/index/runs-<k>.js, newest block of run numbers first); each loads by <script> (works
   from file://, each its own task) and its rows (columnar: rows()) are handed over as row objects in the
   manifest's order, once, then dropped from window (the grid keeps the only copy). */
var SitegenShards = (function () {
  "use strict";
  var VAR = "SITEGEN_ROWS";

  /** Hands n parts over in order: add(i, rows) may come in any order (each i once; again: ignored);
      emit(rows, i, last) is called in order 0, 1, …, n - 1 as soon as every part before is in. */
  function collector(n, emit) {
    var got = new Array(n), next = 0;
    return function add(i, rows) {
      if (!(i >= 0 && i < n) || got[i] !== undefined) return;
      got[i] = rows || [];
      while (next < n && got[next] !== undefined && got[next] !== null) {
        var part = got[next];
        got[next] = null;  // handed over: not kept here
        next++;
        emit(part, next - 1, next === n);
      }
    };
  }

  // a row's fields in a shard's columnar rows (sitegen/site/index_shards.py ROW_FIELDS), after its shape
  // (rows() makes the row objects with them in this order)
  var FIELDS = ["id", "number", "name", "script", "status", "start", "duration", "tags", "parent"];
  function put(o, k, v) {  // o[k] = v as JSON.parse makes it: "__proto__" an own property, not the prototype
    if (k === "__proto__") Object.defineProperty(o, k, {value: v, enumerable: true, writable: true, configurable: true});
    else o[k] = v;
  }

  /** The row objects of a shard's data {shapes: [[param names, value names]], rows: [[shape, ...FIELDS,
      ...param values, ...values]]} (names once per shape, not per row); a list of rows as it is. */
  function rows(data) {
    if (!data || Array.isArray(data)) return data || [];
    var list = data.rows, out = new Array(list.length), nf = FIELDS.length;
    // each shape's objects copied from one made by JSON.parse, then filled in: names added one by one
    // (o[name] = v) would turn an object of more than ~16 names into a slow dictionary (V8), and every
    // sort, filter and group-by reads them
    var blanks = data.shapes.map(function (shape) { return [blank(shape[0]), blank(shape[1])]; });
    for (var i = 0; i < list.length; i++) {
      var a = list[i], shape = data.shapes[a[0]], pn = shape[0], vn = shape[1], b = blanks[a[0]];
      var params = {...b[0]}, values = {...b[1]}, k = nf + 1;
      for (var p = 0; p < pn.length; p++) put(params, pn[p], a[k++]);
      for (var v = 0; v < vn.length; v++) put(values, vn[v], a[k++]);
      out[i] = {id: a[1], number: a[2], name: a[3], script: a[4], status: a[5], start: a[6], duration: a[7],
                tags: a[8], parent: a[9], params: params, values: values};
    }
    return out;
  }
  function blank(names) {  // {name: null, ...} in the names' order, as JSON.parse makes it (fast properties)
    return JSON.parse("{" + names.map(function (n) { return JSON.stringify(String(n)) + ":null"; }).join(",") + "}");
  }

  /** The key a shard's file stores its rows under: its file name without ".js". */
  function keyOf(path) { return String(path).replace(/^.*\//, "").replace(/\.js$/, ""); }

  /** Load the shards the manifest names; onPart(rows, last) in the manifest's order (a shard that
      fails to load gives no rows). No shard: onPart([], true) at once. */
  function load(manifest, onPart) {
    var list = (manifest && manifest.shards) || [];
    if (!list.length) { onPart([], true); return; }
    var add = collector(list.length, function (rows, i, last) { onPart(rows, last); });
    list.forEach(function (shard, i) {
      var key = keyOf(shard[0]);
      var s = document.createElement("script");
      s.async = false;  // run in order, each as it comes
      s.src = SitegenDom.url(shard[0]);
      s.onload = function () {
        var store = window[VAR] || {};
        var data = store[key];
        delete store[key];
        s.remove();
        add(i, rows(data));
      };
      s.onerror = function () { s.remove(); add(i, []); };
      document.head.appendChild(s);
    });
  }

  return {collector: collector, keyOf: keyOf, rows: rows, load: load};
})();
if (typeof module !== "undefined") module.exports = SitegenShards;
