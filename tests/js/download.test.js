// The run page's "All logged points" TSV, made in the browser (js/download.js): numbers written as
// metrics.tsv has them (Python's repr of floats, ints as they are). node --test tests/js/
const test = require("node:test");
const assert = require("node:assert/strict");
global.SitegenData = require("../../themes/default/static/js/data.js");
global.SitegenChartMath = require("../../themes/default/static/js/chartmath.js");
const D = require("../../themes/default/static/js/download.js");

// [value, repr(value) in Python 3.11]
const REPRS = [[1, "1.0"], [3, "3.0"], [-0, "-0.0"], [0.1, "0.1"], [1e-5, "1e-05"], [0.0001, "0.0001"],
  [1.5e-7, "1.5e-07"], [1e16, "1e+16"], [1.5e16, "1.5e+16"], [123456789012345, "123456789012345.0"],
  [1e22, "1e+22"], [2.5, "2.5"], [-7e-5, "-7e-05"], [100, "100.0"], [0.5, "0.5"], [-1234.5678, "-1234.5678"],
  [9999999999999998, "9999999999999998.0"], [1.7976931348623157e308, "1.7976931348623157e+308"],
  [5e-324, "5e-324"], [0.30000000000000004, "0.30000000000000004"]];

test("floats are written as Python's repr writes them", () => {
  for (const [v, text] of REPRS) assert.equal(D.pythonFloat(v), text, String(v));
});

test("a float scalar keeps its .0, an int scalar does not, other values as logged", () => {
  const run = {scalars: {epochs: 3, lr: 1e-5, best: 3, ok: true, tag: "a\tb", bad: "NaN"},
               scalar_f: ["best", "lr", "bad"], scalar_t: {}, series: {}};
  const rows = D.tsv(run, null).trim().split("\n").map(r => r.split("\t").slice(0, 3));
  assert.deepEqual(rows, [['"bad"', "0", "nan"], ['"best"', "0", "3.0"], ['"epochs"', "0", "3"],
    ['"lr"', "0", "1e-05"], ['"ok"', "0", "true"], ['"tag"', "0", '"a\\tb"']]);
});

test("a data file without scalar_f (an older build) still gives every scalar", () => {
  const rows = D.tsv({scalars: {a: 2}, series: {}}, null).trim().split("\n");
  assert.deepEqual(rows.map(r => r.split("\t")[2]), ["2"]);
});
