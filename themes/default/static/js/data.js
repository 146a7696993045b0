/* sitegen: reading the site's data files (data/index.js, data/runs/<id>.js). Pure; node-tested.
   A series in a run's data file: {n: points logged, values: drawn (rounded to 7 significant digits,
   null for NaN/inf), steps: [...] or start + stride (evenly spaced steps), last: the exact last value
   when rounding changed it}. */
var SitegenData = (function () {
  "use strict";
  var ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

  /** The steps of a series, written out. */
  function lineSteps(line) {
    if (line.steps) return line.steps;
    var out = new Array(line.values.length);
    for (var i = 0; i < out.length; i++) out[i] = line.start + i * line.stride;
    return out;
  }

  /** A series' last value, exact (null when it has no points). */
  function lastValue(line) {
    if (!line || !line.values.length) return null;
    return line.last != null ? line.last : line.values[line.values.length - 1];
  }

  /** Whether every value of a row is the same (missing counts as null). */
  function same(vals) {
    var seen = vals.map(function (v) { return JSON.stringify(v === undefined ? null : v); });
    return seen.every(function (x) { return x === seen[0]; });
  }

  function isRunId(s) { return ID_RE.test(s); }

  /** "#3 name" for a run (its number, "?" when it has none). */
  function label(run) { return "#" + (run.number == null ? "?" : run.number) + (run.name ? " " + run.name : ""); }

  return {lineSteps: lineSteps, lastValue: lastValue, same: same, isRunId: isRunId, label: label};
})();
if (typeof module !== "undefined") module.exports = SitegenData;
