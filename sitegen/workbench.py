"""The local workbench of ``sitegen serve``: launch, cancel, restore and annotate runs from the
browser. It exists only in the preview server (the built and deployed files never contain it):
the server injects a token, a stylesheet and a script into the pages it serves, and answers the
control endpoints under ``/_sitegen/api/``.

Who may use it (each refusal is a 403 with one line):
- only a server bound to a loopback address, unless ``--allow-control`` (then a warning says that
  anyone reaching the port can run code on this machine);
- only requests whose ``Host`` names this server (DNS rebinding), from its own pages (``Origin``);
- every state-changing request is a POST carrying the per-server token in ``X-Sitegen-Token``;
  GETs never change anything;
- only scripts inside the project folder (no ``..``, no absolute path, no link leading out),
  started with an argument list, never through a shell, exactly like ``sitegen run --detach``.

The functions below are the library; `handlers` wraps them for tornado.
"""
from __future__ import annotations

import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen.errors import UserError

API = "/_sitegen/api"
STATIC = "/_sitegen"
MAX_BODY = 256 * 1024
MAX_SCRIPTS = 500
LOG_CHUNK = 64 * 1024
SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", "env",
             "runs", "site", "outputs", ".tox", ".mypy_cache", ".pytest_cache", "build", "dist"}
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class ControlError(UserError):
    """A control request that cannot be carried out; the message is shown in the page."""


@dataclass
class Workbench:
    """The workbench of one preview server: where runs go, the project, and the token."""
    store: Any                    # the preview's Store (a mirror for a remote store)
    project_dir: Path
    store_location: Any = None    # what `sitegen serve --store` was given (for launching)
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def token_ok(self, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest(value.encode(), self.token.encode())

    def head_snippet(self) -> bytes:
        """What the server injects into the ``<head>`` of every page it serves."""
        return (f'<meta name="sitegen-token" content="{self.token}">'
                f'<link rel="stylesheet" href="{STATIC}/workbench.css">'
                f'<script defer src="{STATIC}/workbench.js"></script>').encode()


def controls_allowed(host: str, allow_control: bool) -> bool:
    """Controls are on for a loopback bind, or when ``--allow-control`` says so."""
    return host.strip("[]").lower() in LOOPBACK or allow_control


# ---------------------------------------------------------------- scripts

def resolve_script(project_dir: Path, script: Any) -> str:
    """``script`` as a path relative to the project, or ControlError if it is not a file inside it."""
    if not isinstance(script, str) or not script.strip():
        raise ControlError("choose a script to run")
    if "\0" in script or len(script) > 1000:
        raise ControlError("that is not a script name")
    if os.path.isabs(script) or script.startswith("~"):
        raise ControlError(f"{script}: only scripts inside the project can be run (give a path "
                           f"relative to {project_dir})")
    if ".." in Path(script).parts:
        raise ControlError(f"{script}: only scripts inside the project can be run ('..' is refused)")
    root = project_dir.resolve()
    real = (project_dir / script).resolve()
    try:
        real.relative_to(root)
    except ValueError:
        raise ControlError(f"{script}: leads out of the project (a link?); refused") from None
    if not real.is_file():
        raise ControlError(f"{script}: no such file in the project")
    return Path(script).as_posix()


def list_scripts(store, project_dir: Path) -> dict:
    """Scripts to offer: those already run (newest first, with their last arguments), then the
    project's other Python files."""
    ran: list[str] = []
    last_args: dict[str, list[str]] = {}
    for meta in sorted(store.runs(), key=lambda m: str(m.get("start_time_utc") or ""),
                       reverse=True):
        script = meta.get("script_name")
        if isinstance(script, str) and script not in last_args and _inside(project_dir, script):
            ran.append(script)
            args = meta.get("arguments")
            last_args[script] = [str(a) for a in args] if isinstance(args, list) else []
    found: list[str] = []
    for folder, dirs, files in os.walk(project_dir):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")
                         and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg")))
        for name in sorted(files):
            if name.endswith(".py"):
                rel = os.path.relpath(os.path.join(folder, name), project_dir).replace(os.sep, "/")
                if rel not in last_args:
                    found.append(rel)
            if len(found) >= MAX_SCRIPTS:
                break
    return {"scripts": ran + found, "last_args": last_args}


def _inside(project_dir: Path, script: str) -> bool:
    try:
        resolve_script(project_dir, script)
        return True
    except ControlError:
        return False


# ---------------------------------------------------------------- actions

def _writable_store(bench: Workbench):
    from sitegen.commands.common import open_store_for_writing
    from sitegen.store import Store
    url = getattr(bench.store, "url", None)
    return open_store_for_writing(url) if url else Store(bench.store.root.absolute())


def launch(bench: Workbench, body: dict) -> dict:
    """Start a run exactly like ``sitegen run --detach``; its id and number."""
    from sitegen.runner import prepare_run, start_detached
    script = resolve_script(bench.project_dir, body.get("script"))
    args = body.get("args") or []
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args) or len(args) > 1000:
        raise ControlError("arguments must be a list of strings")
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 500):
        raise ControlError("the name must be text")
    store = _writable_store(bench)
    run_id = prepare_run(store, script, args, name=name or None, project_dir=bench.project_dir)
    start_detached(store, run_id, script, args, bench.project_dir)
    meta = store.raw_meta(run_id)
    return {"run_id": run_id, "run_number": meta.get("run_number"), "status": "Running",
            "script": script, "name": meta.get("name")}


def _run_id(store, ref: Any) -> str:
    if not isinstance(ref, str) or not ref:
        raise ControlError("which run?")
    return store.resolve(ref)


def run_info(bench: Workbench, ref: str) -> dict:
    """What the run page's controls need: its editable fields, status, script and arguments."""
    run_id = _run_id(bench.store, ref)
    meta = bench.store.load_meta(run_id)
    tags = meta.get("tags") if isinstance(meta.get("tags"), dict) else {}
    args = meta.get("arguments") if isinstance(meta.get("arguments"), list) else []
    return {"run_id": run_id, "name": meta.get("name"), "description": meta.get("description") or "",
            "tags": {str(k): "" if v is None else str(v) for k, v in tags.items()},
            "hidden": bool(meta.get("hidden")), "status": meta.get("status"),
            "script_name": meta.get("script_name") if meta.get("command") else None,
            "arguments": [str(a) for a in args], "snapshot": bool(meta.get("snapshot"))}


def cancel(bench: Workbench, ref: str) -> dict:
    from sitegen.runner import request_cancel
    run_id = _run_id(bench.store, ref)
    request_cancel(bench.store, run_id)
    return {"run_id": run_id, "status": "Canceling"}


def restore_plan(bench: Workbench, ref: str) -> dict:
    from sitegen.history import plan_lists
    from sitegen.snapshot import plan_restore
    run_id = _run_id(bench.store, ref)
    plan = plan_restore(bench.store, run_id, bench.project_dir)
    return {"run_id": run_id, **plan_lists(plan), "unchanged": plan.unchanged}


def restore(bench: Workbench, ref: str, body: dict) -> dict:
    """Restore only what the confirmed dialog listed (a plan that changed meanwhile is refused)."""
    from sitegen.history import plan_lists
    from sitegen.snapshot import apply_restore, plan_restore
    run_id = _run_id(bench.store, ref)
    plan = plan_restore(bench.store, run_id, bench.project_dir)
    shown = body.get("plan")
    if shown != plan_lists(plan):
        raise ControlError("the project changed since the dialog was opened: open it again")
    apply_restore(bench.store, run_id, bench.project_dir, plan)
    return {"run_id": run_id, "restored": len(plan.overwrite) + len(plan.create),
            "removed": len(plan.remove)}


def annotate(bench: Workbench, ref: str, body: dict) -> dict:
    """Rename, describe, tag, untag, hide or unhide: `sitegen history update`."""
    from sitegen.history import update_run
    run_id = _run_id(bench.store, ref)
    tags = body.get("tags") or {}
    untag = body.get("untag") or []
    if not isinstance(tags, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in tags.items()):
        raise ControlError("tags must map names to text")
    if any(not k.strip() or "=" in k for k in tags):
        raise ControlError("a tag name must not be empty or contain '='")
    if not isinstance(untag, list) or not all(isinstance(k, str) for k in untag):
        raise ControlError("untag must be a list of tag names")
    fields = {}
    for key in ("name", "description"):
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            raise ControlError(f"{key} must be text")
        fields[key] = value
    hidden = body.get("hidden")
    if hidden is not None and not isinstance(hidden, bool):
        raise ControlError("hidden must be true or false")
    meta = update_run(bench.store, run_id, name=fields["name"], description=fields["description"],
                      tags=tags, untag=untag, hidden=hidden)
    return {"run_id": run_id, "name": meta.get("name"), "tags": meta.get("tags"),
            "hidden": meta.get("hidden")}


def pin(bench: Workbench, body: dict) -> dict:
    ids = body.get("ids")
    if not isinstance(ids, list) or not 2 <= len(ids) <= 25:
        raise ControlError("pin two to 25 runs")
    run_ids = [_run_id(bench.store, r) for r in ids]
    added = bench.store.add_pin(run_ids)
    return {"ids": run_ids, "added": bool(added)}


def log_tail(bench: Workbench, ref: str, offset: int) -> dict:
    """The driver log from ``offset`` (the last LOG_CHUNK bytes on the first call): text and the
    offset to ask from next time. The log is read like the site reads it (never through a link)."""
    from sitegen.store import DRIVER_LOG, open_run_file
    run_id = _run_id(bench.store, ref)
    meta = bench.store.load_meta(run_id)
    path = bench.store.run_dir(run_id) / DRIVER_LOG
    try:
        with open_run_file(path) as f:
            size = os.fstat(f.fileno()).st_size
            start = max(0, size - LOG_CHUNK) if offset < 0 else min(offset, size)
            f.seek(start)
            data = f.read(min(size - start, 1 << 20))
    except FileNotFoundError:
        return {"text": "", "offset": 0, "status": meta.get("status")}
    except OSError as e:
        raise ControlError(f"cannot read the log: {e.strerror or e}") from None
    # driver.log is masked as it is written (sitegen.runner): the same text the site publishes
    return {"text": data.decode("utf-8", "replace"), "offset": start + len(data),
            "status": meta.get("status")}


def preview_markdown(body: dict) -> dict:
    """A description rendered and sanitised exactly as the run page will show it."""
    from sitegen.site.markdown import render_markdown
    text = body.get("text")
    if not isinstance(text, str) or len(text) > MAX_BODY:
        raise ControlError("nothing to preview")
    return {"html": render_markdown(text)}


# ---------------------------------------------------------------- tornado

@dataclass
class ApiRequest:
    """What an action gets from a request: the run in its path, and its JSON body or query."""
    ref: str | None
    body: dict
    offset: int = -1


def _log_offset(text: str | None) -> int:
    try:
        return int(text) if text is not None else -1
    except ValueError:
        return -1


RUN = r"([^/]+)"
#: path under /_sitegen/api -> {method: action(bench, request) -> JSON-ready dict}
ACTIONS: dict[str, dict[str, Any]] = {
    "/scripts": {"GET": lambda b, r: list_scripts(b.store, b.project_dir)},
    "/runs": {"POST": lambda b, r: launch(b, r.body)},
    f"/runs/{RUN}/cancel": {"POST": lambda b, r: cancel(b, r.ref)},
    f"/runs/{RUN}/restore": {"GET": lambda b, r: restore_plan(b, r.ref),
                             "POST": lambda b, r: restore(b, r.ref, r.body)},
    f"/runs/{RUN}/log": {"GET": lambda b, r: log_tail(b, r.ref, r.offset)},
    f"/runs/{RUN}": {"GET": lambda b, r: run_info(b, r.ref),
                     "POST": lambda b, r: annotate(b, r.ref, r.body)},
    "/pins": {"POST": lambda b, r: pin(b, r.body)},
    "/markdown": {"POST": lambda b, r: preview_markdown(r.body)},
}


def refusal(bench: Workbench, guard, method: str, headers, body: bytes) -> str | None:
    """Why a control request is refused (None: it may go on): Host and Origin for every request,
    and for a POST an Origin, the server's token and a bounded body."""
    why = guard.refusal(headers, same_origin=True)
    if why is None and method == "POST":
        if headers.get("Origin") is None:
            why = "a control request must come from this server's pages (no Origin)"
        elif not bench.token_ok(headers.get("X-Sitegen-Token")):
            why = "missing or wrong X-Sitegen-Token: reload the page"
        elif len(body) > MAX_BODY:
            why = "request too large"
    return why


def parse_body(raw: bytes) -> dict:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        raise ControlError("the request body is not JSON") from None
    if not isinstance(data, dict):
        raise ControlError("the request body must be a JSON object")
    return data


def answer(bench: Workbench, action, request: ApiRequest) -> tuple[int, dict]:
    """Carry out an action: (HTTP status, JSON reply); a user error is a 400 with its message."""
    try:
        return 200, action(bench, request)
    except UserError as e:
        return 400, {"error": str(e)}
    except OSError as e:
        return 500, {"error": f"{e.strerror or e}"}


def handlers(bench: Workbench, guard, theme_dir: Path) -> list:
    """Routes for the control API (`ACTIONS`) and the workbench's script and stylesheet."""
    from tornado import web

    class Api(web.RequestHandler):
        def initialize(self, actions: dict) -> None:
            self.actions = actions

        def prepare(self) -> None:
            why = refusal(bench, guard, self.request.method, self.request.headers,
                          self.request.body)
            if why:
                self._reply(403, {"error": why})
            elif self.request.method not in self.actions:
                raise web.HTTPError(405)

        def _reply(self, status: int, data: dict) -> None:
            self.set_status(status)
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(json.dumps(data))

        def _run(self, ref: str | None = None) -> None:
            try:
                body = parse_body(self.request.body) if self.request.method == "POST" else {}
            except ControlError as e:
                return self._reply(400, {"error": str(e)})
            request = ApiRequest(ref, body, _log_offset(self.get_argument("offset", None)))
            self._reply(*answer(bench, self.actions[self.request.method], request))

        get = post = _run

        def check_xsrf_cookie(self) -> None:  # the token header replaces tornado's cookie
            return None

    class Asset(web.RequestHandler):
        def get(self, name: str) -> None:
            if guard.refusal(self.request.headers):
                raise web.HTTPError(403)
            kind = {"workbench.js": "text/javascript", "workbench.css": "text/css"}.get(name)
            if kind is None:
                raise web.HTTPError(404)
            self.set_header("Content-Type", f"{kind}; charset=utf-8")
            self.set_header("Cache-Control", "no-cache")
            self.finish((theme_dir / "workbench" / name).read_bytes())

    routes = [(API + path, Api, {"actions": actions}) for path, actions in ACTIONS.items()]
    return routes + [(rf"{STATIC}/(workbench\.(?:js|css))", Asset)]


def injector(bench: Workbench):
    """A tornado output transform adding the workbench's head snippet to served HTML pages."""
    from tornado import web
    snippet = bench.head_snippet()

    class Inject(web.OutputTransform):
        def transform_first_chunk(self, status_code, headers, chunk, finishing):
            if "html" in headers.get("Content-Type", "") and b"</head>" in chunk:
                chunk = chunk.replace(b"</head>", snippet + b"</head>", 1)
                if "Content-Length" in headers:
                    headers["Content-Length"] = str(int(headers["Content-Length"]) + len(snippet))
            return status_code, headers, chunk
    return Inject
