/* sitegen: how values read on pages (numbers, dates, durations). Pure functions; node-tested. */
var SitegenFormat = (function () {
  "use strict";

  function isNum(v) { return typeof v === "number" && isFinite(v); }

  /** A logged value as text: six significant digits, -0 kept, booleans as true/false. */
  function value(v) {
    if (v == null) return "";
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") {
      if (Object.is(v, -0)) return "-0";  // String(-0) is "0": keep the sign, as the run page does
      if (Number.isInteger(v)) return String(v);
      var s = v.toPrecision(6);
      if (s.indexOf("e") < 0 && s.indexOf(".") >= 0) s = s.replace(/0+$/, "").replace(/\.$/, "");
      return s;
    }
    return String(v);
  }

  /** "mean ± std" with the std to two significant digits and the mean to the same decimal place
      (a std of 0, or one value: the mean alone, as value() writes it). */
  function meanStd(mean, std) {
    if (!isNum(mean)) return "";
    if (!isNum(std) || std === 0) return value(mean);
    var place = Math.floor(Math.log10(std)) - 1;  // the decimal place of std's second digit
    if (place < -15) return value(mean) + " ± " + value(std);
    if (place >= 0) {
      var unit = Math.pow(10, place);
      return value(Math.round(mean / unit) * unit) + " ± " + value(Math.round(std / unit) * unit);
    }
    var d = -place;
    return mean.toFixed(d) + " ± " + std.toFixed(d);
  }

  var ISO_UTC = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?Z$/;

  /** "2026-12-01T07:16:52.673663Z" -> "2026-12-01 07:16:52 UTC" (other text unchanged). */
  function when(iso) {
    if (!iso) return "";
    var m = ISO_UTC.exec(String(iso));
    return m ? m[1] + " " + m[2] + " UTC" : String(iso);
  }

  function pad2(n) { return (n < 10 ? "0" : "") + n; }
  /** A duration for people: "6 ms", "8.2 s", "42 s", "3 min 05 s", "1 h 02 min", "1 d 01 h"
      (the Python twin: sitegen.formatting.format_took; shared cases in tests/format_cases.json). */
  function took(sec) {
    if (!isNum(sec)) return "";
    var s = Math.max(0, sec);
    if (s === 0) return "0 s";
    if (Math.round(s * 1000) < 1000) return Math.round(s * 1000) + " ms";
    if (Math.round(s * 10) < 100) return (Math.round(s * 10) / 10).toFixed(1) + " s";
    var total = Math.round(s);
    if (total < 60) return total + " s";
    if (total < 3600) return Math.floor(total / 60) + " min " + pad2(total % 60) + " s";
    if (s < 86400) { var m = Math.round(s / 60); return Math.floor(m / 60) + " h " + pad2(m % 60) + " min"; }
    var h = Math.round(s / 3600);
    return Math.floor(h / 24) + " d " + pad2(h % 24) + " h";
  }

  return {isNum: isNum, value: value, meanStd: meanStd, when: when, took: took};
})();
if (typeof module !== "undefined") module.exports = SitegenFormat;
