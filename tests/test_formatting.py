"""Dates and durations for people: the shared cases (tests/format_cases.json) against sitegen.formatting;
node runs the same cases against themes/default/static/js/format.js (tests/js/format.test.js)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from sitegen.formatting import format_took, format_when

CASES = json.loads((Path(__file__).parent / "format_cases.json").read_text("utf-8"))


@pytest.mark.parametrize("iso, text", CASES["when"])
def test_when(iso, text):
    assert format_when(iso) == text


@pytest.mark.parametrize("seconds, text", CASES["took"])
def test_took(seconds, text):
    assert format_took(seconds) == text
