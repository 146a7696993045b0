const test = require("node:test");
const assert = require("node:assert/strict");
const S = require("../../themes/default/static/js/sample.js");

function rng(seed) { return () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; }; }
function cloud(n, seed) {
  const r = rng(seed), out = [];
  for (let i = 0; i < n; i++) out.push({id: "r" + i, x: i, y: r() * r() * 10 - 3});
  return out;
}
const X = p => p.x, Y = p => p.y, ID = p => p.id;

test("a scatter of 50,000 points is drawn from at most cells² + 2·cells + ticked of them", () => {
  const pts = cloud(50000, 7);
  const keep = new Set(["r123", "r40000", "r49999"]);
  const {items, of} = S.scatter(pts, X, Y, {cells: 40, keep, id: ID});
  assert.equal(of, 50000);
  assert.ok(items.length <= 40 * 40 + 80 + 4 + keep.size, String(items.length));
  assert.ok(items.length > 500);  // the cloud fills many cells
  const ids = new Set(items.map(ID));
  keep.forEach(k => assert.ok(ids.has(k), k));  // every ticked run
  const ys = pts.map(Y);
  const minY = pts[ys.indexOf(Math.min(...ys))], maxY = pts[ys.indexOf(Math.max(...ys))];
  for (const e of [pts[0], pts[49999], minY, maxY]) assert.ok(ids.has(e.id), e.id);  // the extremes
  for (let i = 1; i < items.length; i++) assert.ok(items[i].x > items[i - 1].x);  // in the items' order
});

test("each column of x keeps its least and greatest y (the outline)", () => {
  const pts = cloud(20000, 3), cells = 20;
  const {items} = S.scatter(pts, X, Y, {cells});
  const ids = new Set(items.map(ID));
  const w = (19999 - 0) / cells;
  for (let c = 0; c < cells; c++) {
    const col = pts.filter(p => Math.min(cells - 1, Math.floor(p.x / w)) === c);
    const lo = col.reduce((a, b) => (b.y < a.y ? b : a)), hi = col.reduce((a, b) => (b.y > a.y ? b : a));
    assert.ok(ids.has(lo.id) && ids.has(hi.id), "column " + c);
  }
});

test("few points, non-numbers and a flat cloud", () => {
  const few = [{id: "a", x: 1, y: 2}, {id: "b", x: "n", y: 1}, {id: "c", x: 2, y: null}, {id: "d", x: 3, y: 4}];
  assert.deepEqual(S.scatter(few, X, Y).items.map(ID), ["a", "d"]);
  assert.equal(S.scatter(few, X, Y).of, 2);
  const flat = Array.from({length: 5000}, (_, i) => ({id: "f" + i, x: 1, y: 1}));
  assert.deepEqual(S.scatter(flat, X, Y, {cells: 10}).items.map(ID), ["f0"]);
});

test("lines keep each value's extremes and the ticked runs, up to about max", () => {
  const r = rng(11);
  const runs = Array.from({length: 30000}, (_, i) => ({id: "r" + i, a: r(), b: i % 7 === 0 ? "x" : r() * 100}));
  const fa = p => p.a, fb = p => p.b;
  const keep = new Set(["r5", "r29998"]);
  const out = S.lines(runs, 2000, [fa, fb], {keep, id: ID});
  assert.ok(out.length <= 2000 && out.length >= 1990, String(out.length));
  const ids = new Set(out.map(ID));
  keep.forEach(k => assert.ok(ids.has(k)));
  for (const f of [fa, fb]) {
    const nums = runs.filter(p => typeof f(p) === "number");
    const lo = nums.reduce((a, b) => (f(b) < f(a) ? b : a)), hi = nums.reduce((a, b) => (f(b) > f(a) ? b : a));
    assert.ok(ids.has(lo.id) && ids.has(hi.id));
  }
  assert.equal(new Set(out).size, out.length);  // each once
  assert.deepEqual(S.lines(runs.slice(0, 10), 2000, [fa]), runs.slice(0, 10));
});

test("extremes worked out in slices are those of the whole, and lines use them", async () => {
  const r = rng(5);
  const runs = Array.from({length: 25000}, (_, i) => ({id: "r" + i, a: r() * 3, b: i % 5 ? r() : null}));
  const fns = [p => p.a, p => p.b];
  let ext = null, slices = 0;
  await new Promise(done => S.chunked(runs.length, 4000, (from, to) => { slices++; ext = S.extremes(runs, fns, from, to, ext); }, done));
  assert.equal(slices, 7);
  assert.deepEqual(ext, S.extremes(runs, fns, 0, runs.length));
  fns.forEach((f, j) => {
    const nums = runs.map(f).filter(v => typeof v === "number");
    assert.equal(ext[j][1], Math.min(...nums));
    assert.equal(ext[j][3], Math.max(...nums));
  });
  assert.deepEqual(S.lines(runs, 500, fns, {extremes: ext}), S.lines(runs, 500, fns));
  let none = 0;
  await new Promise(done => S.chunked(0, 10, () => none++, done));
  assert.equal(none, 0);
});
