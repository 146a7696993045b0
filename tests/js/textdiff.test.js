const test = require("node:test");
const assert = require("node:assert/strict");
const D = require("../../themes/default/static/js/textdiff.js");

function apply(ops) {  // the two sides an edit script stands for
  return [ops.filter(o => o[0] !== "+").map(o => o[1]), ops.filter(o => o[0] !== "-").map(o => o[1])];
}
function lcs(a, b) {  // length of the longest common subsequence (small inputs)
  const t = Array.from({length: a.length + 1}, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--)
    t[i][j] = a[i] === b[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
  return t[0][0];
}

test("unified diff reads as difflib's (hunks, line numbers, context 3)", () => {
  const a = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n", b = "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n";
  // Python: "\n".join(list(difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm=""))[2:])
  assert.equal(D.format(D.unified(a, b)),
    "@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n@@ -11,3 +11,4 @@\n k\n l\n m\n+n\n");
  assert.deepEqual(D.unified("same\n", "same\n"), []);
  assert.equal(D.format(D.unified("", "x\n")), "@@ -0,0 +1 @@\n+x\n");  // difflib's way too
});

test("edit scripts are exact and minimal on random texts", () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 300; round++) {
    const a = Array.from({length: Math.floor(rnd() * 12)}, () => "abc"[Math.floor(rnd() * 3)]);
    const b = Array.from({length: Math.floor(rnd() * 12)}, () => "abc"[Math.floor(rnd() * 3)]);
    const ops = D.edits(a, b);
    assert.deepEqual(apply(ops), [a, b]);
    assert.equal(ops.filter(o => o[0] === " ").length, lcs(a, b));
  }
});

test("too different: null instead of a long wait; lines ignore a final newline and CRLF", () => {
  const a = Array.from({length: 3000}, (_, i) => "a" + i), b = Array.from({length: 3000}, (_, i) => "b" + i);
  assert.equal(D.edits(a, b, 100), null);
  assert.equal(D.unified(a.join("\n"), b.join("\n"), 3, 100), null);
  assert.deepEqual(D.lines("x\r\ny\n"), ["x", "y"]);
  assert.deepEqual(D.lines(""), []);
});
