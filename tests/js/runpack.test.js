// The packed run data files in the browser's decoder (js/runpack.js): every shared case of
// tests/runpack_cases.json (made by `python tests/test_runpack.py` from the build's encoder) decodes
// to what the Python decoder read from the same file. node --test tests/js/
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const path = require("path");
const P = require("../../themes/default/static/js/runpack.js");

const CASES = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "runpack_cases.json"), "utf-8"));

function load(files) {
  global.window = {};
  files.forEach(function (f) { eval(f); });  // each file queues itself and calls unpackAll
  P.unpackAll();
  return global.window.SITEGEN_RUNS;
}

for (const [name, c] of Object.entries(CASES)) {
  test("case " + name + ": decoded as the build encoded it", () => {
    const runs = load([c.file]);
    assert.deepEqual(runs[c.expect[0]], c.expect[1]);
  });
}

test("values are plain arrays, gaps null, floats the shortest decimal of their float32", () => {
  const runs = load([CASES.floats.file, CASES["odd values"].file]);
  const loss = runs["run-floats"].series.loss;
  assert.ok(Array.isArray(loss.values) && loss.values.length === 1000 && loss.n === 1000);
  loss.values.forEach(function (v) { assert.equal(P.shortest(Math.fround(v)), v); });
  const mixed = runs["run-odd-values"].series.mixed;
  assert.deepEqual(mixed.values.slice(0, 7), [1.5, null, null, null, null, null, 1e300]);
  assert.equal(mixed.x["4"], '"warm </script>"');
});

test("long series arrive downsampled with their count; a run without series has none", () => {
  const runs = load([CASES.long.file, CASES.empty.file]);
  const long = runs["run-long"].series.long;
  assert.equal(long.n, 12000);
  assert.ok(long.values.length <= 2500 && long.steps.length === long.values.length);
  assert.deepEqual(runs["run-empty"].series, {});
});

test("a file loaded before the decoder waits in the queue; a broken one is left out", () => {
  global.window = {SITEGEN_PACKED: [["bad", "!!!"]]};
  const err = console.error;
  const said = [];
  console.error = function (m) { said.push(m); };
  try { P.unpackAll(); } finally { console.error = err; }
  assert.deepEqual(global.window.SITEGEN_RUNS, {});
  assert.equal(global.window.SITEGEN_PACKED.length, 0);
  assert.match(said[0], /data file of bad/);
});
