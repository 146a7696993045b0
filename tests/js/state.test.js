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

test("format: known keys first in a fixed order, empty ones dropped; ':' '/' '@' stay readable", () => {
  const raw = S.merge({}, {group: "t:model", zoom: "2", q: "Accuracy > 0.9", sel: ["a", "b"], cols: [], sort: "-v:Accuracy"});
  assert.equal(S.format(raw), "#q=Accuracy%20%3E%200.9&sort=-v:Accuracy&sel=a,b&group=t:model&zoom=2");
  assert.equal(S.format({}), "");
  const back = S.parse(S.format(raw));
  assert.equal(S.text(back.q), "Accuracy > 0.9");
  assert.deepEqual(S.list(back.sel), ["a", "b"]);
});

test("merge: null, empty text and empty lists remove a key; the input is not changed", () => {
  const raw = {q: "x", sort: "name"};
  const out = S.merge(raw, {q: null, sort: "", cols: ["v:a"]});
  assert.deepEqual(out, {cols: "v:a"});
  assert.deepEqual(raw, {q: "x", sort: "name"});
});
