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

test("clock: h:mm:ss.s", () => {
  assert.equal(F.clock(8.156715), "0:00:08.2");
  assert.equal(F.clock(3725), "1:02:05.0");
  assert.equal(F.clock(NaN), "");
  assert.equal(F.clock(null), "");
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
