const test = require("node:test");
const assert = require("node:assert/strict");
const D = require("../../themes/default/static/js/data.js");

test("lineSteps: explicit steps, or start + stride", () => {
  assert.deepEqual(D.lineSteps({steps: [0, 5, 9], values: [1, 2, 3]}), [0, 5, 9]);
  assert.deepEqual(D.lineSteps({start: 10, stride: 2, values: [1, 2, 3]}), [10, 12, 14]);
});

test("lastValue: the exact last value when rounding changed it", () => {
  assert.equal(D.lastValue({values: [1, 0.3333333], last: 0.3333333333}), 0.3333333333);
  assert.equal(D.lastValue({values: [1, 2]}), 2);
  assert.equal(D.lastValue({values: []}), null);
  assert.equal(D.lastValue(undefined), null);
});

test("same, isRunId, label", () => {
  assert.ok(D.same([1, 1, 1]));
  assert.ok(D.same([null, undefined]));
  assert.ok(!D.same([1, "1"]));
  assert.ok(D.isRunId("IrisDemo_1504832281116"));
  assert.ok(!D.isRunId("../x"));
  assert.equal(D.label({number: 3, name: "a"}), "#3 a");
  assert.equal(D.label({number: null, name: ""}), "#?");
});
