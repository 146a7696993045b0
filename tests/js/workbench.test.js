// The workbench's argument line: split like a shell would (never run through one), joined back.
const test = require("node:test");
const assert = require("node:assert");
const { splitArgs, joinArgs } = require("../../themes/default/workbench/workbench.js");

test("splits on blanks, keeps quoted words and escapes", () => {
  assert.deepStrictEqual(splitArgs("0.5 --epochs 3"), ["0.5", "--epochs", "3"]);
  assert.deepStrictEqual(splitArgs("  a   'b c'  \"d \\\"e\\\"\" f\\ g "), ["a", "b c", 'd "e"', "f g"]);
  assert.deepStrictEqual(splitArgs("''"), [""]);
  assert.deepStrictEqual(splitArgs("; rm -rf / $(x) `y`"), [";", "rm", "-rf", "/", "$(x)", "`y`"]);
  assert.deepStrictEqual(splitArgs(""), []);
});

test("an unclosed quote is an error, not a guess", () => {
  assert.throws(() => splitArgs("a 'b"), /unclosed ' quote/);
});

test("joinArgs reads back exactly", () => {
  for (const args of [["0.5"], ["two words", "it's", "$HOME", "a\"b", ""], ["--lr=1e-3", "<script>"]]) {
    assert.deepStrictEqual(splitArgs(joinArgs(args)), args);
  }
  assert.strictEqual(joinArgs(["0.5", "--epochs", "3"]), "0.5 --epochs 3");
});
