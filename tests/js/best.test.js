const test = require("node:test");
const assert = require("node:assert/strict");
const B = require("../../themes/default/static/js/best.js");

const BEST = {primary: "Accuracy", goal: "max",
              scripts: {"train.py": {id: "r2", number: 2}, "eval.py": null}};

test("a run of a script with a best run links the comparison with it", () => {
  assert.deepEqual(B.link(BEST, "train.py", "r1"), {ids: ["r1", "r2"], text: "Compare with best (#2)"});
});

test("the best run itself gets the badge; no best run or no data file: nothing", () => {
  assert.deepEqual(B.link(BEST, "train.py", "r2"), {badge: true});
  assert.equal(B.link(BEST, "eval.py", "r9"), null);
  assert.equal(B.link(BEST, "other.py", "r9"), null);
  assert.equal(B.link(undefined, "train.py", "r1"), null);
});

test("a best run without a number says so", () => {
  const best = {scripts: {"": {id: "x", number: null}}};
  assert.equal(B.link(best, "", "y").text, "Compare with best (#?)");
});
