"""A build's first worker, forked the moment `clausier build` starts.

A one-agreement rebuild spends most of its time in its one worker, and the largest step there
was importing the pipeline (Typst, pydantic and the models, YAML, Jinja, Babel), which
began only once the building process had imported the command and planned the build. Forked by
the launcher (launch.py) before the command imports its own modules, this worker imports the
pipeline meanwhile, on the other core, then waits. When the plan says the workers load the
library themselves (a few agreements and a core to spare: parallel.py), the building process hands
it its setup and it becomes the pool's first worker (worker_pool.run), under the same limits;
otherwise it is stopped.

It reads and writes nothing before its setup: it only imports, and between two imports looks
whether its setup has come (then the rest is imported as the work needs it). Its pipe for the
templates compiled ahead (precompiled_templates.py) is made before the fork, like a forked worker's.
"""

from __future__ import annotations

import gc
import importlib

# In the order a worker first needs them: its tools (pandoc's client, Typst for the warm-up),
# then the library and the assembly. Small steps: between two, it looks for its setup.
PIPELINE = ("typst", "clausier.fast.parallel", "pydantic", "pydantic.main", "pydantic.types", "clausier.yamlio",
            "clausier.models", "clausier.repository", "jinja2", "clausier.sandbox", "clausier.assemble",
            "clausier.fast.precompiled_templates", "babel.numbers", "babel.dates", "clausier.formatting", "clausier.lint.gate")


class Prestarted:
    """The building process's hold on the worker (no dataclass: imported before the fork, and
    every millisecond here is one the worker starts later)."""

    def __init__(self, process: object, conn: object, handoff: object) -> None:
        self.process = process  # multiprocessing.Process
        self.conn = conn  # the building process's end of the worker's pipe
        self.handoff = handoff  # template_pipe.Handoff: the building process's ends (the worker holds its own reader)
        self.adopted = False  # the pool's now (worker_pool.run), which stops it

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.join(5)
        except (OSError, ValueError, AttributeError):
            pass
        for end in (self.conn, self.handoff):
            end.close()


_waiting: Prestarted | None = None  # in the building process: forked, not yet taken
_inherited_reader = None  # in the worker: its end of the handoff (set: this process is a prestarted worker)


def start() -> bool:
    """Fork the worker, from the launcher (a single-threaded process). False if it could not:
    the build then forks its workers as usual."""
    global _waiting
    if _waiting is not None:
        return True
    try:
        import multiprocessing

        from .template_pipe import Handoff

        context = multiprocessing.get_context("fork")
        conn, child = context.Pipe()
        handoff = Handoff()
        process = context.Process(target=_worker_main, args=(child, conn, handoff), daemon=True)
        process.start()
    except Exception:  # noqa: BLE001 - only a speed-up
        return False
    child.close()
    handoff.reader.close()  # the building process only writes to it
    _waiting = Prestarted(process, conn, handoff)
    return True


def take() -> Prestarted | None:
    """The waiting worker, if it is alive (once: afterwards it is the pool's)."""
    global _waiting
    prestarted, _waiting = _waiting, None
    if prestarted is not None and not prestarted.process.is_alive():
        prestarted.kill()
        return None
    return prestarted


def dismiss() -> None:
    """Stop the waiting worker, if no build took it (nothing to build, or many agreements)."""
    prestarted = take()
    if prestarted is not None:
        prestarted.kill()


def inherited_handoff():
    """In a prestarted worker: its end of the handoff (None in any other process)."""
    return _inherited_reader


def in_prestarted_worker() -> bool:
    return _inherited_reader is not None


def _worker_main(conn, parent_end, handoff) -> None:
    global _inherited_reader
    parent_end.close()
    handoff.writer.close()
    _inherited_reader = handoff.reader
    from .worker_pool import become_worker, serve

    become_worker()
    gc.disable()  # imports make little garbage, and what they make stays
    for name in PIPELINE:
        if conn.poll():
            break  # the setup has come: what is left is imported as the work needs it
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the work imports it again, and reports what fails there
            pass
    gc.freeze()  # what the imports made lives as long as the worker: its collector need not scan it
    gc.enable()
    try:
        message = conn.recv()
    except (EOFError, OSError):
        return  # the building process has gone
    if message is None:
        return
    setup, handle, teardown, memory_mb = message
    serve(conn, setup, handle, teardown, memory_mb)
