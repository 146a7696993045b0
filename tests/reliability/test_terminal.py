"""Issue 16.5: terminal escape sequences in names are printed escaped, never obeyed, by every
command that prints a table or a message with a name (run names, script names, metric names)."""
from __future__ import annotations

import pytest

from sitegen.formatting import terminal_safe

from .conftest import py, sg, write_script

HOSTILE = ["\x1b]0;pwned\x07", "\x1b[2J", "\x1b[31mred\x1b[0m", "\x9b2J", "back\rspace", "\u202egnp.exe"]


@pytest.mark.parametrize("text, shown", [
    ("\x1b]0;title\x07", "\\x1b]0;title\\x07"), ("\x1b[2J", "\\x1b[2J"), ("\x9b", "\\x9b"),
    ("\u202ertl", "\\u202ertl"), ("plain é ✓", "plain é ✓"),
])
def test_terminal_safe(text, shown):
    assert terminal_safe(text) == shown


def test_no_command_prints_a_raw_escape(proj):
    write_script(proj / "train.py", f"""
        import sys
        from sitegen import start_run
        for i, h in enumerate({HOSTILE!r}):
            with start_run(name=h) as run:
                run.log("Accuracy", 0.5 + i / 100)
                run.log(h, 1)
                run.log("loss", [0.5, 0.4])
                run.set_tags(note=h)
    """)
    py(proj / "train.py", cwd=proj)
    (proj / "reports").mkdir()  # a report naming an output the best run lacks: warned by `report export`
    (proj / "reports" / "hostile.md").write_text(
        "# Hostile\n\n![](run:best/outputs/missing.png)\n", "utf-8")  # names the best run
    commands = [["report", "export", "hostile", "-o", "hostile.html"], ["history", "list"], ["history", "list", "-o", "csv"], ["history", "compare", "1", "2", "3"],
                ["history", "info", "1"], ["jobs", "--all"], ["history", "update", "1", "--name", HOSTILE[0]],
                ["history", "info", HOSTILE[1]], ["build"]]
    checked = 0
    for args in commands:
        p = sg(*args, cwd=proj)
        assert "Traceback" not in p.stderr, (args, p.stderr)
        if args[0] == "report":
            assert "\\u202egnp.exe" in p.stderr, p.stderr  # the warning names the run, escaped
        if args[1:2] == ["list"] and "csv" in args:
            continue  # csv is data for programs: kept exact (quoted by the csv module)
        for stream in (p.stdout, p.stderr):
            assert "\x1b" not in stream and "\x07" not in stream and "\x9b" not in stream, (args, stream[:300])
            assert "\u202e" not in stream, args
        checked += 1
    out = sg("history", "list", cwd=proj).stdout
    assert "\\x1b]0;pwned\\x07" in out  # shown, escaped
    print(f"\nMEASURE terminal: {checked} command outputs, {len(HOSTILE)} hostile names, 0 raw escapes")
