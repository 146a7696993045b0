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
