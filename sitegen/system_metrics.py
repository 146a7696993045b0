"""System metrics of a tracked run, sampled by its supervisor (never by the training process).

Every few seconds (config ``system_metrics_interval``, 5 s; off with ``sitegen run
--no-system-metrics`` or ``system_metrics = false``) the supervisor records, as series under
``system/``: the CPU use of the script's process tree (``system/cpu_percent``, 100 = one core), its
resident memory (``system/memory_rss_mb``), the machine's CPU and memory use
(``system/machine_cpu_percent``, ``system/machine_memory_percent``), and with NVML
(``nvidia-ml-py``) each GPU's utilisation and memory (``system/gpu0/utilization_percent``,
``system/gpu0/memory_used_mb``). No psutil, or no NVML: those series are simply not recorded.
"""
from __future__ import annotations

import time
from typing import Any

PREFIX = "system/"  # the series of this module; left out of run tables unless asked for


def is_system(name: str) -> bool:
    return name.startswith(PREFIX)

MB = 1024 * 1024


class SystemSampler:
    """Samples one process tree (the script and its children) and the machine."""

    def __init__(self, pid: int) -> None:
        import psutil
        self._psutil = psutil
        self._root = psutil.Process(pid)
        self._procs: dict[int, Any] = {}  # cpu_percent needs the same Process object each time
        self._gpus = _nvml_handles()
        psutil.cpu_percent(None)  # the machine's first reading is meaningless: start the clock
        self._tree()

    def _tree(self) -> list:
        psutil = self._psutil
        try:
            procs = [self._root, *self._root.children(recursive=True)]
        except psutil.Error:
            return []
        alive = {}
        for p in procs:
            known = self._procs.get(p.pid)
            if known is None:
                try:
                    p.cpu_percent(None)  # starts this process's clock; counted from the next sample
                except psutil.Error:
                    continue
            alive[p.pid] = known or p
        fresh = [p for pid, p in alive.items() if pid in self._procs]
        self._procs = alive
        return fresh

    def sample(self) -> dict[str, float]:
        """One reading of every available value, by series name."""
        psutil = self._psutil
        cpu = rss = 0.0
        for p in self._tree():
            try:
                with p.oneshot():
                    cpu += p.cpu_percent(None)
                    rss += p.memory_info().rss
            except psutil.Error:  # it ended meanwhile
                continue
        values = {"system/cpu_percent": round(cpu, 1),
                  "system/memory_rss_mb": round(rss / MB, 1),
                  "system/machine_cpu_percent": psutil.cpu_percent(None),
                  "system/machine_memory_percent": psutil.virtual_memory().percent}
        values.update(_gpu_values(self._gpus))
        return values


def _nvml_handles() -> list:
    """NVML device handles, or [] when nvidia-ml-py or a driver is missing (silently)."""
    try:
        import pynvml
        pynvml.nvmlInit()
        return [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
    except Exception:  # ImportError, NVMLError (no driver, no device): no GPU series
        return []


def _gpu_values(handles: list) -> dict[str, float]:
    if not handles:
        return {}
    import pynvml
    out = {}
    for i, handle in enumerate(handles):
        try:
            util = pynvml.nvmlDeviceGetUtilizationRates(handle)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
        except Exception:  # a device that stopped answering
            continue
        out[f"system/gpu{i}/utilization_percent"] = float(util.gpu)
        out[f"system/gpu{i}/memory_used_mb"] = round(memory.used / MB, 1)
    return out


class SystemRecorder:
    """Appends samples to a run's metrics every ``interval`` seconds (call :meth:`tick` often)."""

    def __init__(self, store, run_id: str, pid: int, interval: float) -> None:
        from sitegen.logger import Run
        self.interval = interval
        self._run = Run(store, run_id, owned=False)
        try:
            self._sampler: SystemSampler | None = SystemSampler(pid)
        except Exception:  # no psutil, or the script is already gone
            self._sampler = None
        self._next = time.monotonic() + min(interval, 1.0)  # a first reading early
        self._step = 0

    def tick(self) -> None:
        if self._sampler is None or time.monotonic() < self._next:
            return
        self._next = time.monotonic() + self.interval
        try:
            values = self._sampler.sample()
        except Exception:  # never let sampling hurt the run
            return
        self._run.log(values, step=self._step)
        self._step += 1
        self._run.flush()

    def close(self) -> None:
        self._run.finish()  # flushes; a run it does not own keeps its status
