"""Loading and checking the units of a run: one after another, or in worker processes.

Each unit is loaded by its front end, mapped into an inventory by the adapters and checked, on its
own: units share nothing but the parsed files. A large input whose front end allows it
(``parallel = True``: its ``load`` needs only the scan's file cache) goes to a pool of worker
processes, one per core; a small one stays in this process, where a pool's start-up would cost
more than it saves (see :data:`PARALLEL_BYTES`). Either way the outcomes come back in unit order,
so a report is byte-for-byte the same whatever ran where.

Workers are started with ``fork`` on Linux (they inherit the files discovery has parsed) and
``spawn`` elsewhere (macOS and Windows, where ``fork`` is unsafe or missing). A worker reads inside
the same boundary and under the same limits, and returns what the engine needs: the inventory, the
findings, the VMs seen, the decisions not made, and the suppression directives of the files it parsed.
An exception while loading or checking a unit is an EXV002 for that unit, as in this process; a
worker that dies leaves its units to this process, so a run never hangs on a lost worker.
"""
from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

# a pool pays off from about this many bytes of configuration in the units it would take (measured on
# the benchmark trees: below it the serial run is as fast, above it two workers save a third)
PARALLEL_BYTES = 1_000_000


class Inventories(Sequence):
    """The inventories of a run whose units were loaded in worker processes: each comes back pickled
    (by the worker, in parallel) and is unpickled here only when it is read; reports need only how many
    there are. Pickles from this run's own workers only, never from a file."""

    def __init__(self, items: list):
        self._items = items  # Inventory or bytes

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._items)))]
        item = self._items[index]
        if isinstance(item, bytes):
            import pickle  # only when workers ran: a small run never imports it (start-up time)

            item = self._items[index] = pickle.loads(item)
        return item

    def __repr__(self) -> str:
        return f"Inventories({list(self)!r})"


@dataclass
class UnitOutcome:
    """What loading and checking one unit produced."""

    inventory: Any  # pickled when it comes from a worker (see Inventories)
    diagnostics: list = field(default_factory=list)  # the front end's diagnostics for the unit
    errors: list = field(default_factory=list)  # internal errors (EXV002) while loading or adapting
    findings: list = field(default_factory=list)  # the checks' findings
    vms: list = field(default_factory=list)  # list[VmSeen]
    undecided: list = field(default_factory=list)
    directives: list = field(default_factory=list)  # exvlint:ignore directives a front end reports per unit
    # files parsed in a worker: path -> their suppression directives (this process's cache lacks them)
    files: dict = field(default_factory=dict)


def process_unit(unit, scan, config, levels: dict) -> UnitOutcome:
    """Load, adapt and check one unit (here or in a worker)."""
    from .engine import LintResult, _internal_error, run_checks
    from .findings import Location
    from .model import Inventory

    outcome = UnitOutcome(Inventory(name=unit.name))
    try:
        loaded, outcome.diagnostics = unit.frontend.load(unit, scan, config)
        if loaded is not None and hasattr(unit.frontend, "directives"):
            outcome.directives = unit.frontend.directives(loaded, scan)
        for adapter in unit.frontend.adapters:
            adapter.adapt(loaded, outcome.inventory)
        del loaded  # the checks read the inventory only: the evaluation goes before they run
    except Exception as exc:  # never a traceback: an internal error is a finding
        outcome.errors.append(_internal_error(f"reading {unit.name}", exc, Location(unit.name)))
    seen = LintResult()
    outcome.findings = run_checks(outcome.inventory, config, levels, seen)
    outcome.vms, outcome.undecided = seen.vms, seen.undecided
    return outcome


def run_units(units: list, scan, config, levels: dict, jobs: Optional[int] = None,
              progress: Optional[Callable] = None) -> list:
    """The outcome of every unit, in unit order. ``jobs``: worker processes (None: one per core;
    1: none)."""
    pooled = [i for i, u in enumerate(units) if getattr(u.frontend, "parallel", False)]
    workers = min(available_cores() if jobs is None else max(1, jobs), len(pooled))
    if workers > 1 and (jobs is None and _work_bytes([units[i] for i in pooled]) < PARALLEL_BYTES):
        workers = 1  # auto: a small input is done before a pool would start
    if workers > 1 and _daemonic():
        workers = 1  # called from a daemonic process (a library user's pool worker): it may not start workers
    outcomes: list = [None] * len(units)
    if workers > 1:
        _run_pooled(units, pooled, workers, scan, config, levels, outcomes, progress)
    collector = _Collector()
    here = [i for i, o in enumerate(outcomes) if o is None]
    for n, i in enumerate(here):
        if progress:
            progress(len(units) - len(here) + n, len(units), units[i].name)
        outcomes[i] = process_unit(units[i], scan, config, levels)
        if n + 1 < len(here):  # after the last unit the memory a collection frees has no further use
            collector.unit_done()
    collector.close()
    return outcomes


def available_cores() -> int:
    count = getattr(os, "process_cpu_count", None)  # Python 3.13: the cores this process may use
    if count is not None:
        return count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _work_bytes(units: list) -> int:
    """The size of the configuration files directly in the units' directories (an estimate of the work)."""
    total = 0
    for unit in units:
        directory = unit.data if isinstance(unit.data, str) else None
        if directory is None:
            continue
        try:
            with os.scandir(directory) as entries:
                total += sum(e.stat().st_size for e in entries if e.is_file() and e.name.endswith((".tf", ".tf.json")))
        except OSError:
            pass  # the unit's own load reports an unreadable directory
    return total


class _Collector:
    """A run keeps the cyclic collector off (engine.lint). A Terraform evaluation is freed as soon as the
    unit's inventory is built (test_runner makes sure it holds no reference cycle), but other front ends'
    evaluations may leave cyclic garbage that would pile up for the whole run. After each unit it is
    collected, and what survives is frozen, so the next collection looks only at the next unit's
    objects (linear, not quadratic). Nothing is done when the caller has frozen objects of its own."""

    def __init__(self):
        self.active = not gc.isenabled() and gc.get_freeze_count() == 0
        self.frozen = False

    def unit_done(self) -> None:
        if self.active:
            gc.collect()
            gc.freeze()
            self.frozen = True

    def close(self) -> None:
        if self.frozen:
            gc.unfreeze()


# --------------------------------------------------------------------------- workers

_JOB: Any = None  # (units, scan, config, levels) in a worker process


def _run_pooled(units: list, pooled: list, workers: int, scan, config, levels: dict, outcomes: list,
                progress: Optional[Callable]) -> None:
    import multiprocessing

    global _JOB
    method = "fork" if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods() \
        else "spawn"
    if method == "fork":
        # the workers inherit the files discovery parsed; frozen, the collector never touches (and so
        # never copies) those pages in a worker
        _JOB, payload = (units, scan, config, levels), None
        frozen = gc.get_freeze_count() == 0
        if frozen:
            gc.freeze()
    else:
        from .discover import Scan
        from .files import FileCache

        payload, frozen = (units, Scan(list(scan.paths), FileCache(scan.cache.boundary, scan.cache.store)), config,
                           levels), False
    try:
        _pool_run(units, pooled, workers, method, payload, outcomes, progress)
    except OSError:
        pass  # no process could start (a process or memory limit): what is left is done in this process
    finally:
        _JOB = None
        if frozen:
            gc.unfreeze()


def _daemonic() -> bool:
    import multiprocessing

    return bool(multiprocessing.current_process().daemon)


def _pool_run(units: list, pooled: list, workers: int, method: str, payload, outcomes: list,
              progress: Optional[Callable]) -> None:
    """Run the ``pooled`` units in worker processes; a unit whose worker died keeps no outcome."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    done = 0
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                             initializer=_init_worker, initargs=(payload,)) as pool:
        futures = {pool.submit(_work, i): i for i in pooled}
        from concurrent.futures import as_completed

        for future in as_completed(futures):
            i = futures[future]
            try:
                outcomes[i] = future.result()
            except BrokenProcessPool:
                continue  # a worker died: its units are done in this process
            except Exception as exc:  # the outcome could not come back: the unit's internal error
                outcomes[i] = _failed(units[i], exc)
            done += 1
            if progress:
                progress(done, len(units), units[i].name)


def _failed(unit, exc: Exception) -> UnitOutcome:
    from .engine import _internal_error
    from .findings import Location
    from .model import Inventory

    return UnitOutcome(Inventory(name=unit.name), errors=[
        _internal_error(f"reading {unit.name} in a worker process", exc, Location(unit.name))])


def _init_worker(payload) -> None:
    global _JOB
    if payload is not None:
        _JOB = payload
    gc.disable()  # as engine.lint does; each unit's garbage is collected after it
    gc.freeze()


def _work(index: int) -> UnitOutcome:
    import pickle

    from . import limits

    units, scan, config, levels = _JOB
    cache = scan.cache
    before = set(cache)
    with limits.use(config.limits):
        outcome = process_unit(units[index], scan, config, levels)
    read_directives = getattr(units[index].frontend, "file_directives", None)
    outcome.files = {p: read_directives([p], cache) if read_directives else [] for p in cache if p not in before}
    outcome.inventory = pickle.dumps(outcome.inventory, pickle.HIGHEST_PROTOCOL)  # see Inventories
    gc.collect()
    return outcome
