"""What charts and comparisons load: series with their logging times, text previews, code snapshots."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from sitegen.config import Config
from sitegen.site.build import build_site
from sitegen.site.comparedata import TEXT_KEEP, as_text
from sitegen.site.runpack import unpack
from sitegen.store import Store
from test_build import HOSTILE, check_site, store  # noqa: F401  (fixture)

TIMES = [1_796_000_000.0 + t for t in [0, 0.5, 1.0, 1.5, 30.0, 30.25, 30.5, 31.0]]  # a pause at 4


def _assigned(path: Path, var: str) -> dict:
    """The object a data file assigns: ``(window.VAR=window.VAR||{})[key]=VALUE;``."""
    text = path.read_text("utf-8")
    assert text.startswith(f"(window.{var}=window.{var}||{{}})[")
    return json.loads(text.split("]=", 1)[1].rstrip().rstrip(";"))


def _series(site: Path, rid: str) -> dict:
    return unpack((site / "data" / "runs" / f"{rid}.js").read_text("utf-8"))[1]["series"]


def knot_times(line: dict) -> dict[int, float]:
    """Index of a drawn point -> its published unix time (seconds), for the points that carry one."""
    n = len(line["values"])
    idx = list(range(0, n, line["tk"]))
    if idx[-1] != n - 1:
        idx.append(n - 1)
    ms = [line["t0"]]
    for d in line["dt"]:
        ms.append(ms[-1] + d)
    assert len(ms) == len(idx)
    return {i: t / 1000 for i, t in zip(idx, ms)}


def _write_metrics(store: Store, rid: str, rows: list[tuple[str, int, float, float]]) -> None:
    with open(store.root / rid / "metrics.tsv", "w") as f:
        for name, step, value, t in rows:
            f.write(f"{json.dumps(name)}\t{step}\t{value!r}\t{t:.3f}\n")


def test_series_carry_their_logging_times(store, tmp_path):  # noqa: F811
    """Short series: every point's time, exactly; long ones: every k-th and the last (100 at most),
    also after downsampling to 2,500 points; a run read by the exact reader (a string value) too."""
    rid = store.create_run("T", name="timed")
    long_times = [1_796_000_000 + 0.01 * i + (50 if i > 3000 else 0) for i in range(6000)]
    rows = [("loss", i, 1 / (i + 1), t) for i, t in enumerate(TIMES)]
    rows += [("long", i, (i % 7) * 0.1, t) for i, t in enumerate(long_times)]
    _write_metrics(store, rid, rows)
    store.update_meta(rid, {"status": "Completed"})
    rid2 = store.create_run("T", name="exact reader")
    _write_metrics(store, rid2, [("loss", i, 0.5, t) for i, t in enumerate(TIMES)])
    with open(store.root / rid2 / "metrics.tsv", "a") as f:
        f.write('"note"\t0\t"text"\t1796000000.000\n')
    site = tmp_path / "site"
    build_site(store, site, Config())
    for r in (rid, rid2):
        loss = _series(site, r)["loss"]
        assert loss["tk"] == 1 and knot_times(loss) == {i: round(t, 3) for i, t in enumerate(TIMES)}
    long = _series(site, rid)["long"]
    assert long["n"] == 6000 and len(long["steps"]) <= 2500
    knots = knot_times(long)
    assert len(knots) <= 100 and 0 in knots and len(long["steps"]) - 1 in knots
    for i, t in knots.items():  # each published time is the logged time of that drawn point
        assert t == round(long_times[long["steps"][i]], 3)


def test_as_text_cuts_at_a_line_and_refuses_binary():
    assert as_text(b"a\nb\nc", 10) == ("a\nb\nc", False)
    assert as_text(b"line one\nline two\n", 12) == ("line one\n", True)
    assert as_text(b"\x89PNG\0\0", 100) is None
    assert as_text("é".encode() * 10, 5)[1] is True  # a character split by the cut is dropped
    assert as_text(b"\xff\xfe bad", 100) is None


def test_comparison_data_files(store, tmp_path, cli, monkeypatch):  # noqa: F811
    """Two tracked runs of a project whose code changed in between: the text outputs, each distinct
    snapshot's manifest and each text file's blob are published once; credential files and
    ``unpublished`` globs are not; hostile names and contents stay data."""
    proj = tmp_path / "proj"
    proj.mkdir()
    monkeypatch.chdir(proj)
    (proj / "train.py").write_text(
        "import sys\nfrom pathlib import Path\nfrom sitegen import get_logger\n"
        "get_logger().log('Accuracy', float(sys.argv[1]))\n"
        "Path('outputs/notes.txt').write_text('accuracy ' + sys.argv[1] + '\\n' + sys.argv[2] + '\\n')\n"
        "Path('outputs/big.csv').write_text('x\\n' * 400_000)\n"
        "Path('outputs/blob.json').write_bytes(b'\\x00\\x01')\n")
    (proj / "lib.py").write_text("RATE = 1\n")
    (proj / ".env").write_text("TOKEN=hunter2\n")
    (proj / "data.bin").write_bytes(bytes(range(256)))
    (proj / "private").mkdir()
    (proj / "private" / "notes.txt").write_text("nope\n")
    hostile = proj / "<img src=x onerror=alert(1)>.py"
    hostile.write_text(f"print({HOSTILE!r})\n")
    env = {"SITEGEN_STORE": str(store.root)}
    cli("run", "train.py", "0.5", HOSTILE, cwd=proj, env=env, check=True)
    (proj / "lib.py").write_text("RATE = 2\n")
    cli("run", "train.py", "0.75", "ok", cwd=proj, env=env, check=True)
    a, b = sorted(store.run_ids(), key=lambda i: store.load_meta(i)["run_number"])
    site = tmp_path / "site"
    build_site(store, site, Config(unpublished=["private/*"]))
    check_site(site)
    run_a = unpack((site / "data" / "runs" / f"{a}.js").read_text())[1]
    assert run_a["texts"] == ["big.csv", "blob.json", "notes.txt"]
    assert ["notes.txt", len(f"accuracy 0.5\n{HOSTILE}\n")] in run_a["outputs"]
    texts = _assigned(site / "data" / "text" / f"{a}.js", "SITEGEN_TEXT")
    assert texts["notes.txt"] == {"text": f"accuracy 0.5\n{HOSTILE}\n", "size": len(f"accuracy 0.5\n{HOSTILE}\n"),
                                  "cut": False}
    assert texts["blob.json"]["text"] is None  # not text
    assert texts["big.csv"]["cut"] and len(texts["big.csv"]["text"]) <= TEXT_KEEP
    raw = (site / "data" / "text" / f"{a}.js").read_text()
    assert "</script>" not in raw and "<script>" not in raw
    snaps = {store.load_meta(r)["snapshot"] for r in (a, b)}
    assert len(snaps) == 2 and {p.stem for p in (site / "data" / "code").iterdir()} == snaps
    code_a = _assigned(site / "data" / "code" / f"{store.load_meta(a)['snapshot']}.js", "SITEGEN_CODE")
    code_b = _assigned(site / "data" / "code" / f"{store.load_meta(b)['snapshot']}.js", "SITEGEN_CODE")
    assert code_a["lib.py"][0] != code_b["lib.py"][0] and code_a["train.py"] == code_b["train.py"]
    assert code_a.get(".env", [None, 0, False])[2] is False  # not snapshotted at all, or not published
    assert code_a["private/notes.txt"][2] is False and code_a["lib.py"][2] is True
    blobs = {p.stem: _assigned(p, "SITEGEN_BLOBS") for p in (site / "data" / "blobs").iterdir()}
    assert blobs[code_a["lib.py"][0]] == "RATE = 1\n" and blobs[code_b["lib.py"][0]] == "RATE = 2\n"
    assert blobs[code_a["<img src=x onerror=alert(1)>.py"][0]] == f"print({HOSTILE!r})\n"
    assert blobs[code_a["data.bin"][0]] is None
    assert code_a.get(".env", ["-"])[0] not in blobs and code_a["private/notes.txt"][0] not in blobs
    assert not any("hunter2" in p.read_text() for p in (site / "data" / "blobs").iterdir())
    # the same code is published once: a third run of unchanged code adds no file
    cli("run", "train.py", "0.8", "again", cwd=proj, env=env, check=True)
    before = {p.name for p in (site / "data" / "blobs").iterdir()}
    result = build_site(store, site, Config(unpublished=["private/*"]))
    assert {p.name for p in (site / "data" / "blobs").iterdir()} == before
    assert not any(p.startswith(("data/blobs/", "data/code/")) for p in result.changed)
