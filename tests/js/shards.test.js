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

test("a shard's columnar rows come back as row objects (names once per shape; __proto__ an own name)", () => {
  const data = {shapes: [[["lr", "model"], ["Accuracy"]], [["__proto__"], []]],
                rows: [[0, "a", 1, "n1", "t.py", "Completed", "2026-01-01", 1.5, {}, "", 0.1, "tree", 0.9],
                       [1, "b", 2, "n2", "", "Failed", "", null, {"k": "v"}, "a", {"x": 1}],
                       [0, "c", null, "", "", "", "", null, {}, "", null, [1, 2], null]]};
  const rows = Sh.rows(data);
  assert.deepEqual(rows[0], {id: "a", number: 1, name: "n1", script: "t.py", status: "Completed", start: "2026-01-01",
                             duration: 1.5, tags: {}, parent: "", params: {lr: 0.1, model: "tree"}, values: {Accuracy: 0.9}});
  assert.deepEqual(rows[2].params, {lr: null, model: [1, 2]});
  assert.equal(rows[2].values.Accuracy, null);
  assert.ok(Object.prototype.hasOwnProperty.call(rows[1].params, "__proto__"));
  assert.equal(Object.getPrototypeOf(rows[1].params), Object.prototype);
  assert.deepEqual(JSON.stringify(rows[1].params), JSON.stringify(JSON.parse('{"__proto__": {"x": 1}}')));
  assert.deepEqual(Sh.rows([{id: "old"}]), [{id: "old"}]);  // rows as objects: as they are
  assert.deepEqual(Sh.rows(undefined), []);
});

test("rows of many parameters keep V8's fast properties (not slow dictionaries: every sort and filter reads them)", () => {
  require("v8").setFlagsFromString("--allow-natives-syntax");
  const fast = new Function("o", "return %HasFastProperties(o)");
  const names = Array.from({length: 30}, (_, i) => "param." + i);
  const data = {shapes: [[names, ["Accuracy"]]], rows: [0, 1].map(i => [0, "r" + i, i, "", "", "", "", null, {}, "",
                                                             ...names.map((_, k) => k * i), 0.5])};
  const rows = Sh.rows(data);
  assert.equal(rows[1].params["param.29"], 29);
  assert.ok(fast(rows[0].params) && fast(rows[1].params) && fast(rows[1].values) && fast(rows[1]));
});
