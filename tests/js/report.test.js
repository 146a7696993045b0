const test = require("node:test");
const assert = require("node:assert/strict");
const R = require("../../themes/default/static/js/report.js");

test("thin: a short line whole; a long one to first, last and each bucket's extremes, in order", () => {
  assert.deepEqual(R.thin([3, 1, 2], 10), [0, 1, 2]);
  const v = Array.from({length: 1000}, (_, i) => Math.sin(i / 7) + (i === 500 ? 50 : 0));
  const idx = R.thin(v, 250);
  assert.ok(idx.length <= 252 && idx.length > 200);
  assert.equal(idx[0], 0);
  assert.equal(idx[idx.length - 1], 999);
  assert.ok(idx.every((x, k) => k === 0 || x > idx[k - 1]));
  assert.ok(idx.includes(500));  // the spike is kept
});

test("thin: gaps (null) are never picked as extremes", () => {
  const v = Array.from({length: 600}, (_, i) => (i % 3 ? i : null));
  const idx = R.thin(v, 100);
  assert.ok(idx.slice(1, -1).every((i) => v[i] !== null));
});
