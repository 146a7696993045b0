// The query language in JavaScript: every shared case of tests/query_cases.json (node --test tests/js/).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const fs = require("node:fs");
const Q = require("../../themes/default/static/js/query.js");

const CASES = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "query_cases.json"), "utf-8"));

/** A run set of the cases as rows, through rowFromIndex (as the grid makes them). */
function rows(name) {
  return CASES.runs[name].map((r) => Q.rowFromIndex(Object.assign({}, r, {values: r.metrics})));
}

function kept(text, list) {
  const keep = Q.filter(text);
  return list.filter((r) => keep === null || keep(r)).map((r) => r.id);
}

test("the shared table has at least 60 cases", () => {
  assert.ok(CASES.cases.length >= 60);
});

for (const c of CASES.cases) {
  if (c.matches) {
    test(`matches: ${c.query || "(empty)"}`, () => {
      assert.deepEqual(kept(c.query, rows(c.runs)), c.matches);
      if (c.unknown) assert.deepEqual(Q.parse(c.query).unknown(rows(c.runs)), c.unknown);
    });
  } else {
    test(`error: ${c.query}`, () => {
      assert.ok(Q.isQuery(c.query));
      assert.throws(() => Q.filter(c.query), (e) => {
        assert.ok(e instanceof Q.QueryError && e instanceof Error);
        assert.equal(e.position, c.error.position);
        assert.equal(e.reason, c.error.reason);
        assert.equal(e.message, `at character ${c.error.position + 1}: ${c.error.reason}`);
        return true;
      });
    });
  }
}

test("grid rows: tags given as an object, non-finite values spelled as text", () => {
  const row = Q.rowFromIndex({id: "r", number: 1, name: "n", script: "t.py", status: "Completed",
                              start: "", tags: {team: "a"}, values: {a: "NaN", b: "-inf"}, params: {p: 1}});
  assert.ok(Q.parse("b < -1e300 and p = 1 and team = a").matches(row));
  assert.ok(!Q.parse("a != 0").matches(row));
});

test("names that are Object.prototype keys are not found on plain rows", () => {
  const row = Q.rowFromIndex({id: "r", values: {}, params: {}, tags: {}});
  assert.ok(!Q.parse("constructor ~ f").matches(row));
  assert.ok(!Q.parse("params.toString ~ f").matches(row));
});
