const test = require("node:test");
const assert = require("node:assert/strict");
const M = require("../../themes/default/static/js/chartmath.js");

test("times: knots as published by data.py, points in between placed linearly", () => {
  // every point (tk 1) and every 3rd point + the last (tk 3) of 8 points
  assert.deepEqual(M.times({values: [1, 2, 3], t0: 1000, tk: 1, dt: [5, 0]}), [1000, 1005, 1005]);
  const t = M.times({values: new Array(8).fill(0), t0: 0, tk: 3, dt: [30, 30, 10]});  // knots 0,3,6,7
  assert.deepEqual(t, [0, 10, 20, 30, 40, 50, 60, 70]);
  assert.deepEqual(M.times({values: [4], t0: 9, tk: 1, dt: []}), [9]);
  assert.equal(M.times({values: [1, 2]}), null);
  assert.equal(M.times({values: [1, 2, 3], t0: 0, tk: 1, dt: [1]}), null);  // does not fit: no times
});

test("ema: TensorBoard's debiased smoothing; gaps stay gaps; 0 leaves the values", () => {
  assert.deepEqual(M.ema([1, 2, null, 3], 0), [1, 2, null, 3]);
  const s = M.ema([10, 10, 10], 0.9);
  s.forEach(v => assert.ok(Math.abs(v - 10) < 1e-9));  // debiased: a constant stays constant
  const r = M.ema([0, 1, null, 1], 0.5);
  assert.equal(r[0], 0);
  assert.ok(Math.abs(r[1] - 0.5 / 0.75) < 1e-12);
  assert.equal(r[2], null);
  assert.ok(Math.abs(r[3] - 0.75 / 0.875) < 1e-12);
});

test("quantiles, decades, colours, group bands", () => {
  const v = Array.from({length: 101}, (_, i) => i);
  v.push(1e9, NaN, null);
  const q = M.quantiles(v, 0.01, 0.99);
  assert.ok(q[0] >= 1 && q[0] < 2 && q[1] > 99 && q[1] < 101, String(q));
  assert.equal(M.quantiles([null], 0, 1), null);
  assert.equal(M.spansDecades([1e-4, 1e-3, 1e-1], 2), true);
  assert.equal(M.spansDecades([1, 50], 2), false);
  assert.equal(M.spansDecades([0, 1e-4, 1], 2), false);  // zero: no log axis
  assert.equal(M.runColor(3, "x"), M.runColor(3, "y"));
  assert.notEqual(M.runColor(3, "x"), M.runColor(4, "x"));
  assert.match(M.runColor(null, "abc", true), /^hsl\(\d+, 70%, 66%\)$/);
  const band = M.groupBand([{x: [0, 1], y: [1, 3]}, {x: [0, 1, 2], y: [3, 5, 7]}]);
  assert.deepEqual(band.map(b => [b.x, b.mean, b.min, b.max, b.n]), [[0, 2, 1, 3, 2], [1, 4, 3, 5, 2], [2, 7, 7, 7, 1]]);
  assert.equal(band[0].std, 1);
});

test("csv quotes, keeps numbers exact and defuses formulas", () => {
  const text = M.csv([{run: '#1 a,"b"', x: 0.1, y: null}, {run: "=HYPERLINK(1)", x: -2, y: 1e-7}], ["run", "x", "y"]);
  assert.equal(text, 'run,x,y\r\n"#1 a,""b""",0.1,\r\n\'=HYPERLINK(1),-2,1e-7\r\n');
});

test("settings round-trip through their URL text", () => {
  assert.deepEqual(M.parseSettings(""), M.DEFAULTS);
  const s = M.parseSettings("ylog,s.6,xwall,clip,nopoints,xlin,junk,s9");
  assert.deepEqual(s, {ylog: true, xlog: false, smooth: 0.6, x: "wall", clip: true, points: false});
  assert.equal(M.formatSettings(s), "ylog,xlin,s.6,xwall,clip,nopoints");
  assert.deepEqual(M.parseSettings(M.formatSettings(s)), s);
  assert.equal(M.parseSettings("s0.999").smooth, 0.99);
  assert.equal(M.formatSettings(M.DEFAULTS), "");
});

test("pickRuns: ticked first, else shown, capped", () => {
  assert.deepEqual(M.pickRuns([], [1, 2, 3], 2), {runs: [1, 2], of: 3, ticked: false});
  assert.deepEqual(M.pickRuns([5], [1, 2, 3], 2), {runs: [5], of: 1, ticked: true});
});

test("curveRows: x by step, wall time or time since the start; smoothing leaves y; log gaps", () => {
  const line = {values: [4, 2, 0, 1], start: 0, stride: 10, t0: 5000, tk: 1, dt: [1000, 1000, 2000]};
  const run = {id: "a", label: "#1", href: "runs/a.html", start: 4000, line: line, steps: [0, 10, 20, 30]};
  const steps = M.curveRows([run], M.parseSettings("")).rows;
  assert.deepEqual(steps.map(r => [r.x, r.y, r.ys]), [[0, 4, 4], [10, 2, 2], [20, 0, 0], [30, 1, 1]]);
  const wall = M.curveRows([run], M.parseSettings("xwall")).rows;
  assert.deepEqual(wall.map(r => r.x), [5000, 6000, 7000, 9000]);
  const rel = M.curveRows([run], M.parseSettings("xrel")).rows;
  assert.deepEqual(rel.map(r => r.x), [1, 2, 3, 5]);  // seconds since the run started (4 s)
  const sm = M.curveRows([run], M.parseSettings("s.5,ylog")).rows;
  assert.deepEqual(sm.map(r => r.y), [4, 2, null, 1]);
  assert.ok(sm[1].ys > 2 && sm[1].ys < 4);
  const none = M.curveRows([{...run, line: {values: [1], start: 0, stride: 1}, steps: [0]}], M.parseSettings("xwall"));
  assert.deepEqual(none, {rows: [], noTimes: ["a"], thinned: 0});
});

test("thin keeps first, last and each bucket's extremes; curveRows smooths before thinning", () => {
  const ys = Array.from({length: 1000}, (_, i) => Math.sin(i / 10) + (i === 500 ? 9 : 0));
  const idx = M.thin(ys, 100);
  assert.ok(idx.length <= 100 && idx[0] === 0 && idx[idx.length - 1] === 999);
  assert.ok(idx.includes(500));  // the spike survives
  assert.deepEqual(idx, [...idx].sort((a, b) => a - b));
  assert.deepEqual(M.thin([1, 2, 3], 10), [0, 1, 2]);
  assert.equal(M.pointsPerLine(1), 2500);
  assert.equal(M.pointsPerLine(50), 80);
  const line = {values: ys, start: 0, stride: 1};
  const run = {id: "a", label: "#1", href: "", line: line, steps: ys.map((_, i) => i)};
  const full = M.curveRows([run], M.parseSettings("s.9")).rows, thinned = M.curveRows([run], M.parseSettings("s.9"), 100);
  assert.equal(thinned.thinned, 1);
  thinned.rows.forEach(r => assert.equal(r.ys, full[r.x].ys));  // the same smoothed values
});
