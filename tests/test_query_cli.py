"""`sitegen history list --filter/--sort/--limit/--group-by` on real stores, through the library and
real CLI processes."""
from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import pytest

from conftest import run_cli
from helpers import make_case_runs
from sitegen import history as h
from sitegen import query
from sitegen.logger import Run
from sitegen.store import Store

CASES = json.loads((Path(__file__).parent / "query_cases.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """The cases' "mixed" runs as a real store; (store path, case id -> run id)."""
    root = tmp_path_factory.mktemp("mixed") / "runs"
    return root, make_case_runs(Store(root), CASES["runs"]["mixed"])


def listed(store: Path, *args: str) -> list[dict]:
    p = run_cli("history", "list", "--store", str(store), "-o", "json", *args)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_every_shared_case_on_a_real_store(mixed):
    """run.json and metrics.tsv read as `history list` reads them give the cases' answers."""
    root, ids = mixed
    store, back = Store(root), {v: k for k, v in ids.items()}
    for case in CASES["cases"]:
        if case.get("runs") != "mixed":
            continue
        text = re.sub(r"\bm[1-6]\b", lambda m: ids[m.group()], case["query"])
        table = h.list_runs(store, choice=h.Selection(where=query.make_filter(text)))
        assert sorted(back[r["Run_id"]] for r in table.rows) == sorted(case["matches"]), case["query"]


def test_filter_sort_limit_in_the_cli(mixed):
    root, ids = mixed
    back = {v: k for k, v in ids.items()}
    got = listed(root, "--filter", "Accuracy >= 0.6 and not run.status = Failed", "--sort", "Accuracy desc")
    assert [back[r["run_id"]] for r in got] == ["m4", "m1", "m3", "m6"]
    got = listed(root, "--sort", "Accuracy")  # ascending; NaN (m2) last
    assert [back[r["run_id"]] for r in got] == ["m5", "m6", "m3", "m1", "m4", "m2"]
    got = listed(root, "--sort", "loss desc", "--limit", "2")  # a series by its last value: inf first
    assert [back[r["run_id"]] for r in got] == ["m3", "m2"]
    got = listed(root, "--sort", 'metrics."все значения" desc')  # runs without it last, newest first
    assert [back[r["run_id"]] for r in got] == ["m1", "m5", "m2", "m6", "m4", "m3"]
    got = listed(root, "--filter", "vision")  # plain words: a substring search, as in the grid
    assert sorted(back[r["run_id"]] for r in got) == ["m1", "m6"]
    assert listed(root, "--filter", "nosuch > 1") == []


@pytest.mark.parametrize("args, message", [
    (("--filter", "lr < "), """Error: --filter 'lr < ': at character 6: expected a value after "<";"""),
    (("--filter", "(Accuracy > 1"), 'Error: --filter \'(Accuracy > 1\': at character 14: missing ")" '
                                    'for the "(" at character 1;'),
    (("--sort", "Accuracy up"), """Error: --sort 'Accuracy up': at character 10: expected the end or "asc"/"""),
    (("--group-by", "a b"), "Error: --group-by 'a b': at character 3: expected the end after the name"),
])
def test_a_bad_expression_is_one_line_with_its_position(mixed, args, message):
    p = run_cli("history", "list", "--store", str(mixed[0]), *args)
    assert p.returncode == 1 and p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    assert p.stderr.startswith(message), p.stderr


def test_table_has_number_and_name_columns_first(mixed):
    p = run_cli("history", "list", "--store", str(mixed[0]), "--filter", "run.number <= 2")
    lines = p.stdout.splitlines()
    assert re.split(r"\s{2,}", lines[0].strip())[:2] == ["#", "Name"]
    assert [line.split()[0] for line in lines[2:]] == ["2", "1"]
    assert lines[2].split()[1:3] == ["Tree", "Deep"] and "baseline" in lines[3]
    p = run_cli("history", "list", "--store", str(mixed[0]), "--filter", "run.number = 1", "-o", "csv")
    assert p.stdout.splitlines()[0].startswith("#,Name,")


def test_group_by_gives_count_and_mean_std_per_metric(tmp_path):
    """Five seeds per configuration: the groups' figures equal those computed here."""
    store = Store(tmp_path / "runs")
    acc: dict[str, list[float]] = {}
    for model, base in (("tree", 0.8), ("linear", 0.7), ("forest", 0.85)):
        for seed in range(5):
            rid = store.create_run("Sweep", script_name="train.py")
            run = Run(store, rid, owned=False)
            run.log_params({"model": model, "seed": seed})
            value = base + 0.01 * seed * (1 if seed % 2 else -1)
            run.log("Accuracy", value)
            run.log("loss", [1.0, 0.5, value / 10])  # a series: its last value counts
            run.finish()
            acc.setdefault(model, []).append(value)
    p = run_cli("history", "list", "--store", str(store.root), "--group-by", "params.model",
                "--sort", "Accuracy desc", "-o", "json")
    assert p.returncode == 0, p.stderr
    groups = json.loads(p.stdout)
    assert [g["group"] for g in groups] == ["forest", "tree", "linear"]
    for g in groups:
        values = acc[g["group"]]
        a = g["metrics"]["Accuracy"]
        assert g["runs"] == a["n"] == 5
        assert a["mean"] == pytest.approx(statistics.mean(values), abs=1e-12)
        assert a["std"] == pytest.approx(statistics.stdev(values), abs=1e-12)
        assert (a["min"], a["max"]) == (min(values), max(values))
        assert g["metrics"]["loss"]["mean"] == pytest.approx(statistics.mean(values) / 10)
    table = run_cli("history", "list", "--store", str(store.root), "--group-by", "model",
                    "--filter", "seed < 3").stdout.splitlines()
    assert re.split(r"\s{2,}", table[0].strip()) == ["model", "Runs", "Accuracy", "loss"]
    first = re.split(r"\s{2,}", table[2].strip())
    forest = [0.85 - 0.0, 0.85 + 0.01, 0.85 - 0.02]
    assert first[:2] == ["forest", "3"]
    assert first[2] == f"{statistics.mean(forest):.3f} ± {statistics.stdev(forest):.3f}"
    limited = listed(store.root, "--group-by", "model", "--limit", "1")  # by value: forest first
    assert [g["group"] for g in limited] == ["forest"]


def test_no_match_names_the_names_no_run_has(mixed):
    p = run_cli("history", "list", "--store", str(mixed[0]), "--filter",
                "accuracy > 0.5 or (tags.team = x and not run.status = Completed)")
    assert p.returncode == 0 and p.stdout == ""
    assert p.stderr.splitlines() == [
        "No runs matching the filter.",
        "No run has a value named 'accuracy' (names are case-sensitive; the table's columns are the names)."]
    p = run_cli("history", "list", "--store", str(mixed[0]), "--filter", "Accuracy > 5")
    assert p.stderr.splitlines() == ["No runs matching the filter."]  # a known name: no hint
    p = run_cli("history", "list", "--store", str(mixed[0]), "--group-by", "params.modle")
    assert p.returncode == 1 and p.stdout == ""  # a misspelt name is an error, not one (none) group
    assert p.stderr.splitlines() == ["Error: --group-by 'params.modle': no run has a value of that "
                                     "name; closest: params.model (names are case-sensitive, as the "
                                     "table's columns write them)"]


def test_mean_std_reads_as_in_the_grid():
    """formatting.format_mean_std and the grid's SitegenFormat.meanStd (node) agree."""
    import subprocess
    from sitegen.formatting import format_mean_std
    pairs = [[0.7358, 0.0123], [0.75, 0.14], [18.0, 5.67], [4.5, 4.2], [1234.5, 87.0], [0.061, 0.035],
             [5.0, 0.0], [0.0151498, 0.0], [-2.5, 0.25], [1e-9, 3e-10], [123456.0, 5432.0], [2.5, 3.5]]
    js = Path(__file__).resolve().parent.parent / "themes" / "default" / "static" / "js" / "format.js"
    code = (f"const F = require({json.dumps(str(js))});"
            f"console.log(JSON.stringify({json.dumps(pairs)}.map(([m, s]) => F.meanStd(m, s))));")
    out = subprocess.run(["node", "-e", code], capture_output=True, text=True, check=True).stdout
    assert [format_mean_std(m, s) for m, s in pairs] == json.loads(out)
