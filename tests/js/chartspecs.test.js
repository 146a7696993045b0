const test = require("node:test");
const assert = require("node:assert/strict");
const M = require("../../themes/default/static/js/chartmath.js");
const S = require("../../themes/default/static/js/chartspecs.js");

const rows = [{id: "a", run: "#1", x: 0, y: 1, ys: 1, color: "red"}, {id: "a", run: "#1", x: 1, y: 100, ys: 50, color: "red"}];

test("curves: log axis, smoothing adds the faint raw layer (its own rows), time axis", () => {
  const plain = S.curves(rows, M.parseSettings(""), {yTitle: "loss"});
  assert.equal(plain.layer.length, 1);
  assert.deepEqual(plain.layer[0].encoding.y.scale, {zero: false});
  const log = S.curves(rows, M.parseSettings("ylog"), {yTitle: "loss"});
  assert.equal(log.layer[0].encoding.y.scale.type, "log");
  const sm = S.curves(rows, M.parseSettings("s.5,xwall"), {yTitle: "loss", raw: rows.slice(0, 1)});
  assert.equal(sm.layer.length, 2);
  assert.equal(sm.layer[0].mark.opacity < 0.5, true);
  assert.deepEqual(sm.layer[0].data, {name: "raw"});
  assert.equal(sm.datasets.raw.length, 1);
  assert.equal(sm.layer[1].encoding.y.field, "ys");
  assert.equal(sm.layer[1].encoding.x.type, "temporal");
  assert.equal(S.curves(rows, M.parseSettings("points"), {}).layer.length, 2);
});

test("outliers clip the y axis to the 1st-99th percentile; scatters go log past two decades", () => {
  const many = Array.from({length: 100}, (_, i) => ({x: i, y: i === 50 ? 1e6 : i, id: "r" + i}));
  const sc = S.yScale(M.parseSettings("clip"), many.map(r => r.y));
  assert.ok(sc.domain[1] < 1e6 && sc.domain[0] >= 0);
  const pts = S.points(many.map(r => ({...r, x: Math.pow(10, r.x / 20)})), M.parseSettings(""), {scatter: true});
  assert.equal(pts.xlog, true);
  assert.equal(S.points(many, M.parseSettings("xlin"), {scatter: true}).xlog, false);
  const bars = S.bars([{run: "#1", y: 2, color: "red"}], M.parseSettings(""), {yTitle: "Accuracy"});
  assert.equal(bars.encoding.y.scale.zero, true);
});
