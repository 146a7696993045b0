"""The query language in Python: every shared case of tests/query_cases.json, and the rules around it."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sitegen.errors import UserError
from sitegen.query import (QueryError, is_query, make_filter, make_row, parse, parse_name,
                           row_from_summary)

CASES = json.loads((Path(__file__).parent / "query_cases.json").read_text("utf-8"))


def case_rows(name: str) -> list[dict]:
    """A run set of the cases as rows, through make_row (as the CLI makes them)."""
    return [make_row({"run_id": r["id"], "run_number": r["number"], "name": r["name"],
                      "script_name": r["script"], "status": r["status"],
                      "start_time_utc": r["start"], "tags": r["tags"]}, r["metrics"], r["params"])
            for r in CASES["runs"][name]]


def kept(text: str, rows: list[dict]) -> list[str]:
    keep = make_filter(text)
    return [r["id"] for r in rows if keep is None or keep(r)]


MATCHES = [c for c in CASES["cases"] if "matches" in c]
ERRORS = [c for c in CASES["cases"] if "error" in c]


def test_the_table_is_big_and_covers_what_it_must():
    assert len(CASES["cases"]) >= 60
    queries = " ".join(c["query"] for c in CASES["cases"])
    for needle in ('"все значения"', "not", " or ", " and ", "~", "NaN", "run.number", "1e-3", "'"):
        assert needle in queries or needle in json.dumps(CASES["runs"], ensure_ascii=False), needle


@pytest.mark.parametrize("case", MATCHES, ids=[c["query"] or "(empty)" for c in MATCHES])
def test_shared_case_matches(case):
    rows = case_rows(case["runs"])
    assert kept(case["query"], rows) == case["matches"]
    if "unknown" in case:
        assert parse(case["query"]).unknown(rows) == case["unknown"]


@pytest.mark.parametrize("case", ERRORS, ids=[c["query"] for c in ERRORS])
def test_shared_case_error(case):
    assert is_query(case["query"])
    with pytest.raises(QueryError) as e:
        make_filter(case["query"])
    assert (e.value.position, e.value.reason) == (case["error"]["position"], case["error"]["reason"])
    assert str(e.value) == f'at character {case["error"]["position"] + 1}: {case["error"]["reason"]}'
    assert isinstance(e.value, UserError)


def test_what_counts_as_a_query():
    # every valid expression has an operator character; plain words and numbers stay a search
    for text in ("iris", "0.75", "run-12", "#3", "baseline (v2)", "not iris", "a and b"):
        assert not is_query(text)
    for text in ("Accuracy>0.75", "lr < ", "(a > 1", "x ~ y", "a != b", "!"):
        assert is_query(text)
    for case in MATCHES:
        if is_query(case["query"]):
            parse(case["query"])  # parses: queries with operators never fall back to a search


def test_bare_names_look_in_params_then_metrics_then_tags_then_run_fields():
    row = make_row({"run_id": "r1", "name": "run name", "status": "Completed",
                    "tags": {"x": "tag", "y": "tag", "name": "tag name"}},
                   {"x": "metric", "z": "metric"}, {"x": "param"})
    assert parse("x = param").matches(row)
    assert parse("metrics.x = metric").matches(row) and parse("tags.x = tag").matches(row)
    assert parse("z = metric").matches(row) and parse("y = tag").matches(row)
    assert parse("name = 'tag name'").matches(row)           # a tag called name comes first
    assert parse("run.name = 'run name'").matches(row)
    assert parse("status = Completed").matches(row)          # nobody else has it: the run field


def test_row_from_a_build_summary_uses_series_last_values_and_decodes_non_finite():
    summary = {"id": "r1", "meta": {"run_id": "r1", "run_number": 4, "name": "n", "script_name": "t.py",
                                    "status": "Completed", "tags": {"team": "a"}},
               "scalars": {"Accuracy": "NaN", "big": "inf"}, "series": {"loss": {"last": 0.25, "n": 9}},
               "params": {"lr": 0.1}}
    row = row_from_summary(summary)
    assert row["number"] == 4 and row["params"] == {"lr": 0.1} and row["tags"] == {"team": "a"}
    assert math.isnan(parse_name("Accuracy").lookup(row)) and parse_name("big").lookup(row) == math.inf
    assert parse("loss = 0.25 and big > 1e300 and lr = 0.1").matches(row)
    assert not parse("Accuracy != 0").matches(row)


def test_parameters_come_from_run_json_when_not_given():
    row = make_row({"run_id": "r", "parameters": {"optimizer.name": "adam"}}, {})
    assert parse("params.optimizer.name = adam").matches(row)

