const test = require("node:test");
const assert = require("node:assert/strict");
const S = require("../../themes/default/static/js/state.js");

test("parse: raw values by key, first wins, bad escapes harmless", () => {
  assert.deepEqual(S.parse("#cols=a,b&q=x%20y"), {cols: "a,b", q: "x%20y"});
  assert.deepEqual(S.parse(""), {});
  assert.deepEqual(S.parse("#a=1&a=2&flag"), {a: "1", flag: ""});
  assert.equal(S.text(S.parse("#q=%E0%A4").q), "");
});

test("list and joinList round-trip items with commas, ampersands and unicode", () => {
  const items = ["v:Accuracy", "v:a,b", "v:x&y=z", "v:все значения", "#"];
  const raw = S.joinList(items);
  assert.ok(!/[&#]/.test(raw));
  assert.deepEqual(S.list(S.parse("#cols=" + raw).cols), items);
  assert.deepEqual(S.list(""), []);
  assert.deepEqual(S.list(null), []);
});
