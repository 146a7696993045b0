// node --test tests/js/: the theme's pure modules, loaded as node modules.
const test = require("node:test");
const assert = require("node:assert/strict");
const F = require("../../themes/default/static/js/format.js");

test("value: six significant digits, integers whole, -0 and booleans kept", () => {
  assert.equal(F.value(0.123456789), "0.123457");
  assert.equal(F.value(0.5), "0.5");
  assert.equal(F.value(2.50000), "2.5");
  assert.equal(F.value(42), "42");
  assert.equal(F.value(-0), "-0");
  assert.equal(F.value(1e-12), "1.00000e-12");
  assert.equal(F.value(true), "true");
  assert.equal(F.value(null), "");
  assert.equal(F.value(undefined), "");
  assert.equal(F.value("<b>"), "<b>");
});

test("isNum: finite numbers only", () => {
  assert.ok(F.isNum(0));
  assert.ok(!F.isNum(Infinity));
  assert.ok(!F.isNum("1"));
  assert.ok(!F.isNum(null));
});

test("meanStd: std to two significant digits, the mean to the same place", () => {
  assert.equal(F.meanStd(0.9133333, 0.0123), "0.913 ± 0.012");
  assert.equal(F.meanStd(1234.5, 56.7), "1235 ± 57");
  assert.equal(F.meanStd(-0.2, 0.05), "-0.200 ± 0.050");
  assert.equal(F.meanStd(0.95, 0), "0.95");
  assert.equal(F.meanStd(NaN, 1), "");
});

const CASES = require("../format_cases.json");
test("when and took: the cases shared with sitegen.formatting", () => {
  for (const [iso, text] of CASES.when) assert.equal(F.when(iso), text, String(iso));
  for (const [sec, text] of CASES.took) assert.equal(F.took(sec), text, String(sec));
});
