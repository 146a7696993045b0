/* sitegen: how values read on pages (numbers, durations). Pure functions; node-tested. */
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

  /** Seconds as h:mm:ss.s ("" for a missing value). */
  function clock(sec) {
    if (!isNum(sec)) return "";
    var h = Math.floor(sec / 3600), m = Math.floor(sec % 3600 / 60), s = sec % 60;
    return h + ":" + String(m).padStart(2, "0") + ":" + (s < 10 ? "0" : "") + s.toFixed(s < 100 ? 1 : 0);
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

  return {isNum: isNum, value: value, clock: clock, meanStd: meanStd};
})();
if (typeof module !== "undefined") module.exports = SitegenFormat;
