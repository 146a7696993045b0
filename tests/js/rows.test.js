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

test("stats: mean, sample std, min, max over finite numbers only", () => {
  const s = R.stats([0.81, 0.84, "x", null, NaN, 0.79, 0.83, 0.86]);
  assert.equal(s.n, 5);
  assert.ok(Math.abs(s.mean - 0.826) < 1e-12);
  assert.ok(Math.abs(s.std - 0.027018512172212586) < 1e-12);  // Python statistics.stdev
  assert.deepEqual([s.min, s.max], [0.79, 0.86]);
  assert.deepEqual(R.stats([3]), {n: 1, mean: 3, std: 0, min: 3, max: 3});
  assert.equal(R.stats([null, "a"]), null);
});

test("group: by value, first-seen order, missing and empty together", () => {
  const runs = [{m: "a"}, {m: 1}, {m: "a"}, {}, {m: ""}, {m: "1"}];
  const gs = R.group(runs, (r) => r.m);
  assert.deepEqual(gs.map((g) => [g.value, g.runs.length]), [["a", 2], [1, 1], [null, 2], ["1", 1]]);
  const more = R.group([{m: [1, 2]}, {m: NaN}, {m: true}, {m: [1, 2]}, {m: null}, {m: "true"}], (r) => r.m);
  assert.deepEqual(more.map((g) => [g.key, g.runs.length]), [["[1,2]", 2], ["null", 2], ["true", 1], ['"true"', 1]]);
});

test("nest: children under parents present; absent parents and loops make roots", () => {
  const runs = [{id: "p"}, {id: "c1", parent: "p"}, {id: "c2", parent: "p"}, {id: "g", parent: "c1"},
                {id: "o", parent: "gone"}, {id: "x", parent: "y"}, {id: "y", parent: "x"}, {id: "s", parent: "s"}];
  const t = R.nest(runs);
  assert.deepEqual(t.roots.map((r) => r.id), ["p", "o", "x", "y", "s"]);
  assert.deepEqual(t.kids.get("p").map((r) => r.id), ["c1", "c2"]);
  assert.deepEqual(t.kids.get("c1").map((r) => r.id), ["g"]);
  assert.equal(t.kids.has("x"), false);
});

test("sort reads each cell once and orders as comparing through get does (numbers, text, empties; stable)", () => {
  let seed = 9;
  const rnd = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
  const pick = [() => Math.floor(rnd() * 50), () => null, () => "", () => "b" + Math.floor(rnd() * 5), () => -rnd()];
  for (const kinds of [[0, 4], [0, 1, 2, 4], [0, 1, 3], [3, 2]]) {
    const rows = Array.from({length: 3000}, (_, i) => ({i, v: pick[kinds[Math.floor(rnd() * kinds.length)]]()}));
    for (const desc of [false, true]) {
      let reads = 0;
      const got = R.sort(rows.slice(), r => { reads++; return r.v; }, desc).map(r => r.i);
      assert.equal(reads, rows.length);
      const want = rows.slice().sort((a, b) => {  // the comparison the grid always meant
        const e = (a.v == null || a.v === "") - (b.v == null || b.v === "");
        if (e) return e;
        const c = R.compare(a.v, b.v);
        return desc ? -c : c;
      }).map(r => r.i);
      assert.deepEqual(got, want, JSON.stringify(kinds) + desc);
    }
  }
});

// mixed cells as a grid column may hold them: numbers (incl. -0, Infinity), NaN, null, "", text
// (incl. equal-by-collator spellings), booleans, lists
function mixed(n, seed) {
  const rnd = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
  const pick = [() => Math.floor(rnd() * 40) - 20, () => rnd(), () => null, () => undefined, () => "", () => NaN,
                () => -0, () => Infinity, () => "run-" + Math.floor(rnd() * 500), () => "Run-" + Math.floor(rnd() * 50),
                () => ["é", "e\u0301", "z", "Ä", "a"][Math.floor(rnd() * 5)], () => rnd() < 0.5, () => [64, 32]];
  return Array.from({length: n}, (_, i) => ({i, v: pick[Math.floor(rnd() * pick.length)]()}));
}
function comparatorSort(rows, desc) {  // the order the grid means: compare(), empty last both ways, stable
  return rows.slice().sort((a, b) => {
    const e = R.empty(a.v) - R.empty(b.v);
    if (e) return e;
    const c = R.compare(a.v, b.v);
    return desc ? -c : c;
  }).map(r => r.i);
}

test("sort equals the comparator sort on mixed data: numbers, NaN, null, text, booleans (both ways, stable)", () => {
  for (const seed of [1, 7, 42]) {
    const rows = mixed(4000, seed);
    for (const desc of [false, true]) {
      assert.deepEqual(R.sort(rows.slice(), r => r.v, desc).map(r => r.i), comparatorSort(rows, desc), seed + " " + desc);
    }
  }
  assert.ok(R.empty(NaN) && R.compare(NaN, 1) > 0 && R.compare(1, NaN) < 0 && R.compare(NaN, null) === 0);
});

test("ranks: equal values share a rank, empties get the greatest; rankJob in slices equals one pass", () => {
  const rows = mixed(5000, 3), values = rows.map(r => r.v);
  const whole = R.ranks(values);
  for (let x = 0; x < 300; x++) {
    const i = (x * 7919) % values.length, j = (x * 104729) % values.length;
    const c = Math.sign(R.compare(values[i], values[j])), d = Math.sign(whole.ranks[i] - whole.ranks[j]);
    assert.equal(d, c, JSON.stringify([values[i], values[j]]));
  }
  assert.ok(values.every((v, i) => R.empty(v) === (whole.ranks[i] === whole.blank)));
  const job = R.rankJob(values);
  let steps = 0;
  while (!job.step(0)) steps++;  // the smallest slices
  assert.ok(steps >= 10, "worked in many slices: " + steps);
  assert.deepEqual(Array.from(job.ranks), Array.from(whole.ranks));
  assert.equal(job.blank, whole.blank);
  // many distinct texts, in reverse and in shuffled order: the merge passes (and their shortcut) agree
  for (const names of [Array.from({length: 3000}, (_, i) => "cfg" + (3000 - i)),
                       Array.from({length: 3000}, (_, i) => "n" + ((i * 7919) % 3001))]) {
    const got = R.rankJob(names);
    while (!got.step(0)) { /* slices */ }
    const want = names.map((n, i) => i).sort((a, b) => R.compare(names[a], names[b]));
    assert.deepEqual(Array.from(R.orderBy(got, false)), want);
  }
});

test("orderBy: a counting sort of ranks, descending keeps ties in order and empties last", () => {
  const ranked = {ranks: Uint32Array.from([2, 0, 3, 2, 1, 3, 0]), blank: 3};
  assert.deepEqual(Array.from(R.orderBy(ranked, false)), [1, 6, 4, 0, 3, 2, 5]);
  assert.deepEqual(Array.from(R.orderBy(ranked, true)), [0, 3, 4, 1, 6, 2, 5]);
  assert.deepEqual(R.permute(["a", "b", "c"], Uint32Array.from([2, 0, 1])), ["c", "a", "b"]);
});
