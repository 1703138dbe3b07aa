"""Worker processes: documents built in parallel, each under a time and a memory limit.

The pool forks its workers from the building process (which has loaded the repository
once), hands them one task at a time (each worker the next of a run of neighbours in the
building order: distribution.py), and collects what they send back. Forking is only
safe from a single-threaded process: when the caller already runs threads (a program that
compiled Typst in-process has Typst's thread pool, whose locks a forked child would inherit
held), workers are started with `spawn` instead, and set themselves up from scratch. A worker:

- runs in its own process group, so stopping it also stops the pandoc it started;
- has `RLIMIT_DATA` set to the memory limit (inherited by its pandoc): an allocation
  beyond it fails in that worker only. RLIMIT_DATA rather than RLIMIT_AS because pandoc's
  runtime and malloc's arenas reserve far more address space than they ever use;
- is stopped (SIGKILL to its group) when one task takes longer than the time limit;
- is replaced after `recycle_every` tasks, since Typst's compiler and pandoc grow slowly.

A task whose worker dies or is stopped fails alone, with a message that says why; the
others carry on in a fresh worker. Workers send results back and never write outputs:
the building process writes them, so a worker killed mid-document cannot tear a file.
"""

from __future__ import annotations

import gc
import os
import resource
import signal
import time
from dataclasses import dataclass
from typing import Any, Callable

from .distribution import Dealer

MiB = 1024 * 1024
TICK = 0.2  # seconds between two progress refreshes while waiting
TIME_LIMIT = 300.0  # seconds per document
MEMORY_LIMIT = 2048  # MB per process (a worker, and the pandoc it runs)
RECYCLE_EVERY = 250  # documents per worker before a fresh one takes over
SETUP_LIMIT = 120.0  # seconds for a worker to set up (a spawned one starts Python and loads the library)


_AT_EACH_RUN: list[Callable[[], Any]] = []


def at_each_run(chore: Callable[[], Any]) -> Callable[[], Any]:
    """Register `chore` to run in the building process when a pool starts and when it ends (a
    module whose workers leave something behind if killed cleans it up: typst_workspace.py)."""
    _AT_EACH_RUN.append(chore)
    return chore


def _chores() -> None:
    for chore in _AT_EACH_RUN:
        try:
            chore()
        except Exception:  # noqa: BLE001 - housekeeping: never the reason a build fails
            pass


@dataclass(frozen=True)
class Limits:
    time: float | None = TIME_LIMIT  # seconds per task
    memory_mb: int | None = MEMORY_LIMIT  # per process (the worker, and its pandoc)
    recycle_every: int = RECYCLE_EVERY  # tasks per worker before a fresh one takes over


def single_threaded() -> bool:
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        import threading

        return threading.active_count() == 1


class _Worker:
    def __init__(self, conn, process) -> None:
        self.conn, self.process = conn, process
        self.task = None
        self.started = 0.0
        self.ready = False  # set up: a task's time limit counts from then, not while it starts
        self.created = time.monotonic()
        self.done = 0
        self.leaving = False  # asked to stop: it tears down (closes its pandoc) on its own

    @classmethod
    def forked(cls, context, setup: Callable[[], Any], handle: Callable[[Any, Any], Any],
               teardown: Callable[[Any], None], limits: Limits, others: list[_Worker]) -> _Worker:
        conn, child = context.Pipe()
        # A forked child closes every parent-side end it inherits, so it sees EOF when the
        # building process is gone (and no worker keeps another's pipe open).
        forked = context.get_start_method() == "fork"
        inherited = [conn, *(w.conn for w in others)] if forked else []
        process = context.Process(target=_main, args=(child, inherited, setup, handle, teardown, limits.memory_mb),
                                  daemon=True)
        gc.freeze()  # a forked worker's collector leaves what it inherits alone (no copy-on-write of every object)
        try:
            process.start()
        finally:
            gc.unfreeze()
        child.close()
        return cls(conn, process)

    @classmethod
    def adopted(cls, prestarted, setup: Callable[[], Any], handle: Callable[[Any, Any], Any],
                teardown: Callable[[Any], None], limits: Limits) -> _Worker | None:
        """A worker forked earlier (prestart.py), waiting for its setup: None if it is gone."""
        try:
            prestarted.conn.send((setup, handle, teardown, limits.memory_mb))
        except Exception:  # noqa: BLE001 - gone, or a setup that does not pickle: a worker is forked instead
            prestarted.kill()
            return None
        prestarted.adopted = True
        return cls(prestarted.conn, prestarted.process)

    @property
    def busy(self) -> bool:
        return self.task is not None

    def send(self, task) -> None:
        self.conn.send(task)
        self.task = task
        self.started = time.monotonic()

    def kill(self) -> None:
        pid = self.process.pid
        try:
            os.killpg(pid, signal.SIGKILL)  # the worker and its pandoc
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.kill()  # in case it had not yet made its own group
        except (ProcessLookupError, AttributeError):
            pass
        self.process.join(5)
        self.conn.close()

    def leave(self) -> None:
        """Ask it to stop, without waiting."""
        if not self.leaving:
            self.leaving = True
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                pass

    def stop(self) -> None:
        self.leave()
        self.process.join(5)
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()


def _main(conn, inherited, setup, handle, teardown, memory_mb) -> None:
    for other in inherited:
        other.close()
    become_worker()
    serve(conn, setup, handle, teardown, memory_mb)


def become_worker() -> None:
    """A worker's own process group (stopping it stops its pandoc too), and no Ctrl-C: the
    building process decides when to stop."""
    gc.enable()  # whatever the building process does: a worker makes garbage document after document
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()


def _die_with_parent() -> None:
    """Ask the kernel to SIGKILL this worker when its building process dies (Linux; elsewhere,
    nothing): a building process killed with SIGKILL cannot stop its workers, which would go on
    with a task nobody waits for, holding their Typst folders (the next build removes those once
    their worker is gone: typst_workspace.py)."""
    import multiprocessing

    parent = multiprocessing.parent_process()  # the process that started it (None: not started by multiprocessing)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) != 0:  # PR_SET_PDEATHSIG
            return
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent.pid:  # it died before the call
        os._exit(0)


def limit_memory(memory_mb: int | None) -> None:
    if memory_mb:
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        limit = memory_mb * MiB
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def serve(conn, setup, handle, teardown, memory_mb) -> None:
    """A worker's life under its memory limit: set up, say so, then one task after another until
    told to stop."""
    limit_memory(memory_mb)
    state = setup()
    conn.send(("ready", None))
    try:
        while True:
            try:
                task = conn.recv()
            except EOFError:
                break  # the building process is gone
            if task is None:
                break
            try:
                conn.send(("ok", handle(state, task)))
            except MemoryError:
                conn.send(("error", f"ran out of memory (the limit is {memory_mb} MB per process)"))
                break  # a fresh worker takes over
            except Exception as exc:  # a bug, not a content error: report it on this task
                conn.send(("error", f"internal error: {type(exc).__name__}: {exc}"))
    finally:
        teardown(state)


def _death(exitcode: int | None, limits: Limits) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        hint = ""
        if name in ("SIGABRT", "SIGSEGV", "SIGBUS") and limits.memory_mb:
            hint = f"; it may have run out of memory (the limit is {limits.memory_mb} MB per process)"
        elif name == "SIGKILL":
            hint = " (killed from outside, or by the system when out of memory)"
        return f"the worker process building it was stopped by {name}{hint}"
    return f"the worker process building it exited unexpectedly (status {exitcode})"


def _deadline(worker: _Worker, time_limit: float) -> float:
    """When the worker's task must be done: its time limit from when the worker was ready (a
    loaded machine can take seconds to start one), and a generous one for the start itself."""
    if worker.ready:
        return worker.started + time_limit
    return worker.created + max(SETUP_LIMIT, time_limit)


def run(tasks: list, jobs: int, setup: Callable[[], Any], handle: Callable[[Any, Any], Any],
        teardown: Callable[[Any], None], on_done: Callable[[Any, bool, Any], None], limits: Limits = Limits(),
        on_tick: Callable[[], None] | None = None, on_started: Callable[[], None] | None = None,
        on_finished: Callable[[], None] | None = None, prestarted=None) -> None:
    """Run `handle(state, task)` for every task in `jobs` worker processes.

    `on_done(task, ok, value)` is called in this process for each task as it finishes:
    ok with handle's return value, or not ok with a message (time limit, memory, crash).
    `on_started()` is called once the first tasks are sent: this process's own work that can
    overlap with theirs (it runs before any on_done). `on_finished()` is called once every task
    is done, while the workers tear down (not if this process stops on an exception).
    `prestarted` (prestart.py), if alive, is the first worker, set up by the same `setup`.
    setup, handle, teardown and the tasks must pickle (module-level functions, plain data)
    for the `spawn` case and a prestarted worker.
    """
    import multiprocessing
    from multiprocessing.connection import wait

    context = multiprocessing.get_context("fork" if single_threaded() else "spawn")
    _chores()  # what a killed build left, before this one adds its own
    pending = Dealer(tasks, jobs)  # each worker on a run of neighbours in the building order (distribution.py)
    workers: list[_Worker] = []
    leaving: list[_Worker] = []  # no task left for them: tearing down while this process carries on

    def spawn() -> None:
        nonlocal prestarted
        if prestarted is not None:
            adopted, prestarted = _Worker.adopted(prestarted, setup, handle, teardown, limits), None
            if adopted is not None:
                workers.append(adopted)
                return
        workers.append(_Worker.forked(context, setup, handle, teardown, limits, workers + leaving))

    def retire(worker: _Worker, message: str | None) -> None:
        workers.remove(worker)
        pending.release(worker)
        task, worker.task = worker.task, None
        if message is not None and task is not None:
            on_done(task, False, message)
        if pending and len(workers) < jobs:
            spawn()

    try:
        for _ in range(min(jobs, len(pending))):
            spawn()
        while pending or any(w.busy for w in workers):
            for worker in list(workers):
                if not worker.busy and pending:
                    task = pending.take(worker)
                    try:
                        worker.send(task)
                    except (OSError, ValueError):  # it died while idle: not this task's fault
                        pending.give_back(task)
                        worker.kill()
                        retire(worker, None)
            if not workers:
                spawn()
                continue
            if on_started is not None:
                started, on_started = on_started, None
                started()
            now = time.monotonic()
            timeout = TICK
            if limits.time:
                for worker in workers:
                    if worker.busy:
                        timeout = min(timeout, max(0.0, _deadline(worker, limits.time) - now))
            ready = wait([w.conn for w in workers if w.busy] + [w.process.sentinel for w in workers], timeout)
            for worker in list(workers):
                if worker.conn in ready and worker.busy:
                    try:
                        status, value = worker.conn.recv()
                    except (EOFError, OSError):
                        worker.process.join(5)
                        code = worker.process.exitcode
                        worker.kill()
                        retire(worker, _death(code, limits))
                        continue
                    if status == "ready":  # set up: its task's clock starts now
                        worker.ready, worker.started = True, time.monotonic()
                        continue
                    task, worker.task = worker.task, None
                    worker.done += 1
                    if status != "ok" and value.startswith("ran out of memory"):
                        worker.stop()
                        retire(worker, None)
                    elif worker.done >= limits.recycle_every and pending:
                        worker.stop()
                        retire(worker, None)
                    elif pending:  # its next task first: the worker works while this process writes
                        next_task = pending.take(worker)
                        try:
                            worker.send(next_task)
                        except (OSError, ValueError):
                            pending.give_back(next_task)
                    else:  # nothing left for it: it tears down while this process writes
                        worker.leave()
                        workers.remove(worker)
                        pending.release(worker)
                        leaving.append(worker)
                    on_done(task, status == "ok", value)
                elif worker.process.sentinel in ready:
                    worker.process.join(5)
                    code = worker.process.exitcode
                    worker.kill()
                    retire(worker, _death(code, limits) if worker.busy else None)
            if limits.time:
                now = time.monotonic()
                for worker in list(workers):
                    if worker.busy and now > _deadline(worker, limits.time):
                        worker.kill()
                        retire(worker, f"took longer than the time limit of {limits.time:g} s and was stopped"
                               if worker.ready else f"its worker did not start within {SETUP_LIMIT:g} s")
            if on_tick:
                on_tick()
        if on_finished is not None:
            on_finished()
    finally:
        for worker in workers:
            if worker.busy:
                worker.kill()
            else:
                worker.leave()
        for worker in workers + leaving:
            if not worker.busy:
                worker.stop()
        _chores()  # what a worker killed during this run left
