const test = require("node:test");
const assert = require("node:assert/strict");
const R = require("../../themes/default/static/js/rows.js");

test("compare: numbers before text, empty last", () => {
  assert.ok(R.compare(1, 2) < 0);
  assert.ok(R.compare(2, "a") < 0);
  assert.ok(R.compare("b", "a") > 0);
  assert.ok(R.compare(null, 1) > 0);
  assert.ok(R.compare("", null) === 0);
});

test("sort: by a getter, empty cells last in both directions", () => {
  const rows = [{v: 2}, {v: null}, {v: 10}, {v: ""}, {v: 1}];
  const get = (r) => r.v;
  assert.deepEqual(R.sort(rows.slice(), get, false).map(get), [1, 2, 10, null, ""]);
  assert.deepEqual(R.sort(rows.slice(), get, true).map(get).slice(0, 3), [10, 2, 1]);
  assert.deepEqual(R.sort(rows.slice(), get, true).map(get).slice(3).every((v) => v == null || v === ""), true);
});

test("textPredicate: case-insensitive substring of number, name, id, status, script, tags, start", () => {
  const runs = [
    {number: 3, name: "Iris-A", id: "IrisDemo_1", status: "Completed", script: "iris.py", tags: "team=x", start: "2026-12-01T07:16:52Z"},
    {number: 4, name: "other", id: "IrisDemo_2", status: "Failed", script: "b.py", tags: "", start: "2026-12-02T00:00:00Z"},
  ];
  assert.equal(R.textPredicate("  "), null);
  assert.deepEqual(runs.filter(R.textPredicate("iris-a")).map((r) => r.number), [3]);
  assert.deepEqual(runs.filter(R.textPredicate("FAILED")).map((r) => r.number), [4]);
  assert.deepEqual(runs.filter(R.textPredicate("2026-12")).map((r) => r.number), [3, 4]);
  assert.deepEqual(runs.filter(R.textPredicate("team=x")).map((r) => r.number), [3]);
});
