const test = require("node:test");
const assert = require("node:assert/strict");
const P = require("../../themes/default/static/js/parallel.js");
const Q = require("../../themes/default/static/js/query.js");

const runs = [
  {id: "a", params: {rate: 0.0001, opt: "adam", "odd \"name\"": 1}, metrics: {Accuracy: 0.7}},
  {id: "b", params: {rate: 0.01, opt: "sgd", "odd \"name\"": 2}, metrics: {Accuracy: 0.8}},
  {id: "c", params: {rate: 1, opt: "adam", "odd \"name\"": 3}, metrics: {Accuracy: 0.9}},
];

test("brushes become a query of the grid's language that keeps exactly the runs inside", () => {
  const brushes = {"p:rate": [0.005, 2], "p:opt": {cats: ["adam"]}, "p:odd \"name\"": [2.5, 9]};
  const q = P.brushQuery(brushes);
  const parsed = Q.parse(q);
  assert.deepEqual(runs.filter(r => parsed.matches(r)).map(r => r.id), ["c"]);
  assert.deepEqual(P.parseBrushes(P.formatBrushes(brushes)), brushes);
  assert.equal(P.brushQuery({}), "");
  assert.deepEqual(P.parseBrushes("junk;p%3Ax:1:oops;p%3Ay:3:1"), {"p:y": [1, 3]});
});

test("axes: numbers (log past two decades), categories; dimensions params first", () => {
  const rate = P.axisScale(runs, "p:rate");
  assert.equal(rate.log, true);
  assert.equal(rate.at(0.0001), 0);
  assert.ok(Math.abs(rate.at(0.01) - 0.5) < 1e-12);
  assert.ok(Math.abs(rate.value(0.5) - 0.01) < 1e-12);
  const opt = P.axisScale(runs, "p:opt");
  assert.deepEqual(opt.cats, ["adam", "sgd"]);
  assert.equal(opt.at("sgd"), 1);
  assert.deepEqual(P.dimensions(runs).map(d => d.key), ["p:odd \"name\"", "p:opt", "p:rate", "m:Accuracy"]);
  assert.match(P.ramp(0), /^#440154$/);
  assert.match(P.ramp(1), /^#fde725$/);
});
