"""Read TensorBoard logs (``sitegen import tensorboard LOGDIR``) with TensorBoard's own reader.

Each folder under LOGDIR holding event files is a run, named by its path relative to LOGDIR.
Scalars keep their steps and wall times; HParams-plugin hyper-parameters become parameters; the last
image of each image tag becomes ``outputs/<tag>.png``. A corrupt event file warns; what is readable
in it, and the rest of the logs, is imported.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sitegen.importers.sync import ImportProblem, Point, RunData, SourceRun
from sitegen.store import safe_name

SOURCE = "tensorboard"
EVENT_MARK = "tfevents"


def require() -> None:
    """Raise ModuleNotFoundError (named ``tensorboard``) when TensorBoard is not installed."""
    import tensorboard  # noqa: F401


def run_folders(logdir: Path) -> list[Path]:
    """Folders under ``logdir`` (itself included) that hold event files, sorted."""
    found = set()
    for root, dirs, files in os.walk(logdir):
        dirs.sort()
        if any(EVENT_MARK in f for f in files):
            found.add(Path(root))
    return sorted(found)


def list_runs(logdir: Path) -> list[SourceRun]:
    """The runs of a TensorBoard log folder; their data is read only by ``load()``."""
    logdir = Path(logdir).resolve()
    runs = []
    for folder in run_folders(logdir):
        rel = folder.relative_to(logdir).as_posix()
        name = logdir.name if rel == "." else rel
        runs.append(SourceRun(source_id=f"{logdir}::{rel}", fingerprint=_fingerprint(folder),
                              load=lambda folder=folder, name=name: read_run(folder, name)))
    return runs


def _event_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if EVENT_MARK in p.name and p.is_file())


def _fingerprint(folder: Path) -> str:
    h = hashlib.sha256()
    for path in _event_files(folder):
        st = path.stat()
        h.update(f"{path.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def check_event_file(path: Path) -> str | None:
    """Why an event file is corrupt (a failed checksum), or None. A record cut short at the end is
    a file still being written: not a problem, the next import reads the rest."""
    from tensorboard.compat.tensorflow_stub import errors
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import PyRecordReader_New
    try:
        reader = PyRecordReader_New(str(path))
    except errors.OpError as e:
        return str(e.message)
    records = 0
    try:
        while True:
            reader.GetNext()
            records += 1
    except errors.OutOfRangeError:
        return None
    except errors.DataLossError as e:
        message = str(e.message).replace(str(path), "").strip(" :")
        return None if records and "truncated" in message.lower() else message
    finally:
        reader.file_handle.close()


def read_run(folder: Path, name: str) -> RunData:
    """One run folder: scalars, hyper-parameters and images, read by TensorBoard's EventAccumulator."""
    from tensorboard.backend.event_processing import event_accumulator as ea

    data = RunData(name=name)
    for path in _event_files(folder):
        problem = check_event_file(path)
        if problem:
            data.problems.append(f"{path.name}: corrupt event file ({problem}); its readable "
                                 f"events were imported")
    acc = ea.EventAccumulator(str(folder), size_guidance={ea.SCALARS: 0, ea.TENSORS: 0,
                                                          ea.IMAGES: 1})
    try:
        acc.Reload()
    except Exception as e:  # the reader's own errors: report the run, import the others
        raise ImportProblem(f"cannot read {folder}: {e}") from None
    tags = acc.Tags()
    for tag in tags.get("scalars", []):
        data.points.extend(Point(tag, e.step, float(e.value), e.wall_time) for e in acc.Scalars(tag))
    for tag in tags.get("tensors", []):
        data.points.extend(_tensor_scalars(acc, tag))
    times = [p.time for p in data.points]
    if times:
        data.start_time, data.end_time = min(times), max(times)
    _read_hparams(acc, data)
    images = tags.get("images", [])
    if images:
        data.outputs = lambda dest: _write_images(acc, images, dest)
    return data


def _tensor_scalars(acc, tag: str) -> list[Point]:
    """Scalars written by TF2-style writers (tensor summaries of the scalars plugin)."""
    from tensorboard.util import tensor_util
    if acc.SummaryMetadata(tag).plugin_data.plugin_name != "scalars":
        return []
    points = []
    for e in acc.Tensors(tag):
        value = tensor_util.make_ndarray(e.tensor_proto)
        if value.size == 1:
            points.append(Point(tag, e.step, float(value.reshape(())), e.wall_time))
    return points


_STATUS = {1: "Completed", 2: "Failed", 4: "Canceled"}  # hparams api_pb2.Status (not RUNNING)


def _read_hparams(acc, data: RunData) -> None:
    from tensorboard.plugins.hparams import plugin_data_pb2
    try:
        contents = acc.PluginTagToContent("hparams")
    except KeyError:  # no hyper-parameters logged
        return
    for content in contents.values():
        plugin = plugin_data_pb2.HParamsPluginData.FromString(content)
        kind = plugin.WhichOneof("data")
        if kind == "session_start_info":
            for key, value in plugin.session_start_info.hparams.items():
                which = value.WhichOneof("kind")
                v = getattr(value, which) if which else None
                if which == "number_value" and float(v).is_integer():
                    v = int(v)
                data.parameters[key] = v
        elif kind == "session_end_info":
            data.status = _STATUS.get(plugin.session_end_info.status, data.status)


def _write_images(acc, tags: list[str], dest: Path) -> None:
    for tag in tags:
        events = acc.Images(tag)
        if events:
            (dest / f"{safe_name(tag, 'image')}.png").write_bytes(events[-1].encoded_image_string)
