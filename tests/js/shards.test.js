const test = require("node:test");
const assert = require("node:assert/strict");
const Sh = require("../../themes/default/static/js/shards.js");

test("shards come in any order and are handed over in the manifest's order, each once", () => {
  const got = [];
  const add = Sh.collector(4, (rows, i, last) => got.push([i, rows.map(r => r.id), last]));
  add(2, [{id: "c"}]);
  assert.deepEqual(got, []);  // 0 and 1 are not in yet
  add(0, [{id: "a1"}, {id: "a2"}]);
  assert.deepEqual(got, [[0, ["a1", "a2"], false]]);
  add(0, [{id: "again"}]);  // a part twice: ignored
  add(9, [{id: "nine"}]);   // no such part
  add(3, null);             // a shard that failed: no rows
  assert.equal(got.length, 1);
  add(1, [{id: "b"}]);
  assert.deepEqual(got, [[0, ["a1", "a2"], false], [1, ["b"], false], [2, ["c"], false], [3, [], true]]);
  add(1, [{id: "late"}]);
  assert.equal(got.length, 4);
});

test("a shard's key is its file name", () => {
  assert.equal(Sh.keyOf("data/index/runs-49.js"), "runs-49");
  assert.equal(Sh.keyOf("runs-x.js"), "runs-x");
});
