"""The packed run data files (sitegen/site/runpack.py; issue 17 item 4): what the build encodes is what
the browser decodes (js/runpack.js, in node, as a real subprocess) and what the Python decoder reads.

The shared cases (tests/runpack_cases.json, also read by tests/js/runpack.test.js) are made by
``python tests/test_runpack.py``; a test checks they still match the encoder."""
from __future__ import annotations

import json
import math
import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.site.data import RawSeries, read_metrics_raw
from sitegen.site.runpack import pack_series, run_file, shortest_f32, unpack
from sitegen.store import Series, decode_value

HERE = Path(__file__).resolve().parent
CASES_FILE = HERE / "runpack_cases.json"
DECODER = HERE.parent / "themes" / "default" / "static" / "js" / "runpack.js"


def f32(v: float) -> float:
    return struct.unpack("<f", struct.pack("<f", v))[0]


def series_of(rows: list[tuple[int, str, str]]) -> Series:
    """A store Series from (step, metrics.tsv value text, time text) rows."""
    s = Series()
    for step, value, t in rows:
        s.steps.append(step)
        s.values.append(decode_value(value))
        s.times.append(float(t))
    return s


def case_inputs() -> dict[str, dict[str, list]]:
    """Runs (name -> series name -> rows of (step, value text, time text)) covering each path."""
    rng = random.Random(7)
    t = [f"{1796117000 + i * 0.25:.3f}" for i in range(12_000)]
    floats = [(i, repr(2.5 * math.exp(-0.004 * i) + 0.05 * rng.random()), t[i]) for i in range(1000)]
    return {
        "floats": {"loss": floats, "exact f32": [(i, repr(f32(0.1 * i)), t[i]) for i in range(50)]},
        "ints": {"epoch": [(i, str(i * 3 - 7), t[i]) for i in range(20)],
                 "tokens": [(i, str(10**12 + i), t[i]) for i in range(5)],
                 "steps by 10": [(10 * i, str(i), t[i]) for i in range(5)]},
        "odd values": {"mixed": [(0, "1.5", t[0]), (1, "nan", t[1]), (2, "inf", t[2]), (3, "-inf", t[3]),
                                 (4, '"warm </script>"', t[4]), (5, "true", t[5]), (6, "1e300", t[6]),
                                 (7, "7", t[7]), (8, "-0.0", t[8]), (9, "1e-45", t[9]), (10, "1e-300", t[10])],
                       "phase": [(0, '"a"', t[0]), (1, '"b"', t[1])],
                       "irregular": [(0, "0.5", t[0]), (3, "0.25", t[1]), (4, "0.125", t[2])]},
        "long": {"long": [(i, repr(math.sin(i / 50) + rng.random() / 10), t[i]) for i in range(12_000)]},
        "empty": {},
    }


def encode(runs: dict) -> dict[str, str]:
    """Each case as a data file (through the metrics.tsv fast path when it applies, as the build)."""
    out = {}
    for name, series in runs.items():
        made = {}
        for sname, rows in series.items():
            tsv = "".join(f'{json.dumps(sname)}\t{st}\t{v}\t{tm}\n' for st, v, tm in rows).encode()
            raw = read_metrics_raw("", tsv)
            made[sname] = raw[sname] if raw else series_of(rows)
        out[name] = run_file(f"run-{name.replace(' ', '-')}", {"id": name, "scalars": {"a": 1}}, made)
    return out


def node_decode(files: dict[str, str]) -> dict:
    """The runs as js/runpack.js decodes the files (node, a real subprocess)."""
    script = ("global.window = {}; const P = require(process.argv[1]);"
              "const files = JSON.parse(require('fs').readFileSync(0, 'utf-8'));"
              "const out = {}; for (const k in files) { eval(files[k]); }"
              "P.unpackAll(); process.stdout.write(JSON.stringify(window.SITEGEN_RUNS));")
    proc = subprocess.run(["node", "-e", script, str(DECODER)], input=json.dumps(files),
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(proc.stdout)


def test_the_browser_decodes_what_the_build_encoded():
    files = encode(case_inputs())
    in_node = node_decode(files)
    in_python = dict(unpack(text) for text in files.values())
    assert in_node == in_python
    runs = {r["id"]: r for r in in_python.values()}
    loss = runs["floats"]["series"]["loss"]
    exact = [float(v) for _, v, _ in case_inputs()["floats"]["loss"]]
    assert loss["n"] == 1000 and (loss["start"], loss["stride"]) == (0, 1)
    assert loss["values"] == [shortest_f32(v) for v in exact]  # float32 precision, shortest text
    assert all(abs(a - b) <= 1.2e-7 * abs(b) for a, b in zip(loss["values"], exact))  # one float32 ulp
    assert loss["last"] == exact[-1]  # the exact last value rides along
    assert runs["floats"]["series"]["exact f32"]["values"] == [shortest_f32(f32(0.1 * i)) for i in range(50)]
    assert runs["floats"]["series"]["exact f32"]["last"] == f32(0.1 * 49)  # 4.9 drawn, 4.900000095… logged
    ints = runs["ints"]["series"]
    assert ints["epoch"]["values"] == [i * 3 - 7 for i in range(20)]
    assert ints["tokens"]["values"] == [10**12 + i for i in range(5)]  # beyond int32: exact too
    assert ints["steps by 10"]["stride"] == 10
    odd = runs["odd values"]["series"]
    assert odd["mixed"]["values"] == [1.5, None, None, None, None, None, 1e300, 7, -0.0, 1e-45, 1e-300]
    assert odd["mixed"]["x"] == {"1": "nan", "2": "inf", "3": "-inf", "4": '"warm </script>"',
                                 "5": "true", "6": "1e+300", "9": "1e-45", "10": "1e-300"}
    assert odd["phase"]["values"] == [None, None] and odd["phase"]["x"] == {"0": '"a"', "1": '"b"'}
    assert odd["irregular"]["steps"] == [0, 3, 4]
    long = runs["long"]["series"]["long"]
    assert long["n"] == 12_000 and 2000 < len(long["values"]) == len(long["steps"]) <= 2500
    assert long["steps"][0] == 0 and long["steps"][-1] == 11_999
    assert runs["empty"]["series"] == {}
    for run in runs.values():  # the logging times: a knot every tk points and the last
        for s in run["series"].values():
            assert s["t0"] == 1796117000000 and len(s["dt"]) == -(-(len(s["values"]) - 1) // s["tk"])


def test_base85_of_every_length_in_node():
    """The browser's base85 reads Python's (with ``<>&`` swapped) for every length of a last group."""
    from sitegen.site.runpack import _B85_SAFE
    import base64
    blobs = [bytes(random.Random(n).randrange(256) for _ in range(n)) for n in range(13)] + [b"\xff" * 9]
    texts = [base64.b85encode(b).translate(_B85_SAFE).decode() for b in blobs]
    script = ("const P = require(process.argv[1]); const t = JSON.parse(require('fs').readFileSync(0, 'utf-8'));"
              "process.stdout.write(JSON.stringify(t.map(s => Array.from(P.base85(s)))));")
    out = subprocess.run(["node", "-e", script, str(DECODER)], input=json.dumps(texts), capture_output=True,
                         text=True, timeout=60, check=True)
    assert [bytes(b) for b in json.loads(out.stdout)] == blobs
    assert not set("<>&\"'\\") & set("".join(texts))


def test_a_data_file_is_inert_text():
    """Whatever the names and values, the file is one push of a JSON string and base64."""
    (text,) = encode({"x": {"</script><b>": [(0, '"</script>"', "1.000"), (1, "2", "2.000")]}}).values()
    assert "<" not in text and "</script" not in text and text.count("\n") == 1
    assert unpack(text)[1]["series"]["</script><b>"]["x"] == {"0": '"</script>"'}


def test_ints_fast_path_and_overflow_fall_back_to_exact():
    raw = read_metrics_raw("", b'"a"\t0\t1\t1.000\n"a"\t1\t2147483648\t1.000\n"a"\t2\t1e999\t1.000\n')
    if raw:  # 1e999 is a valid JSON number: the fast path sees it, then hands over
        head, _ = pack_series(raw["a"])
        assert head["v"] == "f" and head["x"] == {"2": "inf"}


@pytest.mark.parametrize("v", [0.1, 1 / 3, 2.5127534, 1e-40, 3.4e38, 123456.789, 16777217.0])
def test_shortest_f32_is_that_float32(v):
    s = shortest_f32(v)
    assert f32(s) == f32(v) and len(repr(s).replace("-", "").replace(".", "").lstrip("0")) <= 12


def test_shared_cases_are_current():
    """tests/runpack_cases.json (node's cases) decode to what the encoder makes now."""
    cases = json.loads(CASES_FILE.read_text("utf-8"))
    files = encode(case_inputs())
    assert set(cases) == set(files)
    for name, case in cases.items():
        assert unpack(case["file"]) == unpack(files[name]) == tuple(case["expect"]), name


def write_cases() -> None:
    files = encode(case_inputs())
    CASES_FILE.write_text(json.dumps({k: {"file": v, "expect": list(unpack(v))} for k, v in files.items()},
                                     indent=1, sort_keys=True) + "\n", "utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    write_cases()
    print(f"wrote {CASES_FILE}")


@pytest.mark.parametrize("after", [0, 10**9])  # numpy's encoder at once / the standard library's
def test_b85_safe_equals_the_standard_encoder(monkeypatch, after):
    """The vectorised encoder writes what base64.b85encode (with the HTML-safe alphabet) writes, for
    every padding and for data a run file holds (runs' data files keep their bytes)."""
    import base64
    import random
    from sitegen.site import runpack
    monkeypatch.setattr(runpack, "NUMPY_AFTER", after)
    if after:
        monkeypatch.delitem(sys.modules, "numpy", raising=False)
    rng = random.Random(7)
    cases = [b"", b"\0", b"\0\0\0\0", b"\xff" * 9, b"<>&"] + [rng.randbytes(n) for n in list(range(1, 40)) + [4799, 4800, 65537]]
    for data in cases:
        assert runpack.b85_safe(data) == base64.b85encode(data).translate(runpack._B85_SAFE).decode("ascii")
