"""A report's source: front matter, Markdown body and ``sitegen-*`` embeds, with their line numbers.

Plain text in, plain data out (no runs, no HTML). Front matter and embed bodies are ``key: value``
lines (the YAML subset people write in front matter: ``[a, b]`` or ``- item`` lines for lists). A
small parser rather than a YAML library, because a value must stay the exact text the author wrote
(a query such as ``name ~ "#1: a"`` is not valid YAML) and every value needs its line number (for
warnings and for ``sitegen report freeze``, which rewrites those lines in place).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

EMBED_KINDS = ("chart", "table", "compare", "parallel")
FRONT_KEYS = ("title", "author", "date", "description", "runs")
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)[^`]*$")
_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)\s*:\s?(.*)$")


@dataclass
class Option:
    """One ``key: value`` line: the value as written (a string, or a list of strings) and its line."""
    value: str | list[str]
    line: int


@dataclass
class Embed:
    """A fenced ``sitegen-KIND`` block: options by key; ``line``: the fence's line (1-based)."""
    kind: str
    line: int
    options: dict[str, Option] = field(default_factory=dict)
    end_line: int = 0


@dataclass
class ReportSource:
    """A parsed report. ``body``: the Markdown after the front matter, each embed replaced by a
    line ``token(i)``; ``problems``: (line, message) for malformed lines."""
    name: str
    text: str
    front: dict[str, Option]
    body: str
    embeds: list[Embed]
    problems: list[tuple[int, str]] = field(default_factory=list)
    front_end: int = 0   # the line of the closing ``---`` (0: no front matter)


def token(i: int) -> str:
    """The placeholder line for embed ``i`` in the body (a paragraph of its own after Markdown)."""
    return f"SITEGENEMBED{i}X"


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def split_list(text: str) -> list[str]:
    """``[a, "b c", 7]`` or ``a, b`` -> items (surrounding quotes removed)."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    items, buf, quote = [], "", ""
    for ch in text:
        if quote:
            buf += ch
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
            buf += ch
        elif ch == ",":
            items.append(buf)
            buf = ""
        else:
            buf += ch
    items.append(buf)
    return [_unquote(i.strip()) for i in items if i.strip()]


def parse_options(lines: list[str], first_line: int, problems: list[tuple[int, str]]
                  ) -> dict[str, Option]:
    """``key: value`` lines (``- item`` lines after an empty ``key:`` make a list; ``#`` comments)."""
    out: dict[str, Option] = {}
    last: str | None = None
    for i, raw in enumerate(lines):
        n = first_line + i
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("- ") or line == "-":
            opt = out.get(last) if last else None
            if opt is None or (isinstance(opt.value, str) and opt.value):
                problems.append((n, f"a list item outside a list: {line!r}"))
                continue
            if isinstance(opt.value, str):
                opt.value = []
            opt.value.append(_unquote(line[1:].strip()))
            continue
        m = _KEY.match(line)
        if not m:
            problems.append((n, f"not a `key: value` line: {line!r}"))
            continue
        key, value = m.group(1).lower(), m.group(2).strip()
        if key in out:
            problems.append((n, f"{key!r} is given twice"))
        out[key] = Option(split_list(value) if value.startswith("[") else value, n)
        last = key
    return out


def parse_report(name: str, text: str) -> ReportSource:
    """Split ``text`` into front matter, body and embeds (never raises: problems are listed)."""
    lines = text.split("\n")
    problems: list[tuple[int, str]] = []
    front: dict[str, Option] = {}
    start = 0
    front_end = 0
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() in ("---", "..."):
                front = parse_options(lines[1:i], 2, problems)
                start = front_end = i + 1
                break
        else:
            problems.append((1, "the front matter has no closing `---` line"))
    for key, opt in front.items():
        if key not in FRONT_KEYS:
            problems.append((opt.line, f"unknown front matter key {key!r} (known: {', '.join(FRONT_KEYS)})"))
        elif key != "runs" and isinstance(opt.value, str):
            opt.value = _unquote(opt.value)
    body: list[str] = []
    embeds: list[Embed] = []
    i = start
    while i < len(lines):
        line = lines[i]
        m = _FENCE.match(line)
        if not m:
            body.append(line)
            i += 1
            continue
        fence, info = m.group(2), m.group(3)
        close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        if info.lower().startswith("sitegen-"):
            kind = info[len("sitegen-"):].lower()
            embed = Embed(kind, i + 1, end_line=min(j, len(lines) - 1) + 1)
            if kind not in EMBED_KINDS:
                problems.append((i + 1, f"unknown embed sitegen-{kind} "
                                        f"(known: {', '.join('sitegen-' + k for k in EMBED_KINDS)})"))
            embed.options = parse_options(lines[i + 1:j], i + 2, problems)
            body += ["", token(len(embeds)), ""]
            embeds.append(embed)
        else:
            body += lines[i:j + 1]
        if j >= len(lines):
            problems.append((i + 1, "a fenced block is not closed"))
        i = j + 1
    return ReportSource(name, text, front, "\n".join(body), embeds, problems, front_end)


def rewrite(text: str, changes: dict[int, str], front_lines: list[str] | None = None) -> str:
    """``text`` with line ``n`` (1-based) replaced by the line ``changes[n]``; ``front_lines``
    added at the end of the front matter (made if there is none)."""
    lines = text.split("\n")
    for n, line in changes.items():
        lines[n - 1] = line
    if front_lines:
        front_end = parse_report("", text).front_end
        if front_end:
            lines[front_end - 1:front_end - 1] = front_lines
        else:
            lines[0:0] = ["---", *front_lines, "---", ""]
    return "\n".join(lines)
