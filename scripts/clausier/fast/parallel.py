"""The fast route of a build: the stale agreements rendered in worker processes (worker_pool.py),
each with its batch renderers (batch_renderer.py), through pipeline.render_agreement.

A few agreements to build (an edit) with the library as last recorded: this process loads
nothing and its workers start at once, each loading the library itself while its pandoc and
Typst warm up on the spare core; the first worker may be the one the launcher forked
(prestart.py), and a lone agreement's templates are compiled here meanwhile and handed to it
(precompiled_templates.py). Otherwise the library is loaded here, once, checked, and the workers
forked from this process share it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..errors import ClausierError
from ..incremental import Item, Plan
from ..library_gate import load_and_check_library
from ..pipeline import Outcome, SignedLibraries, error_lines, render_agreement
from ..write_stage import WriteStage
from . import prestart
from .batch_renderer import BatchRenderer
from .building_order import in_building_order, structure_key
from .cache_stores import kept_sources, pandoc_abbreviations, part_store
from .pandoc_server import PartStore, prune_part_store
from .template_pipe import Handoff
from .warm_start import KeptSources
from .worker_pool import Limits, run, single_threaded

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from ..repository import Repository


@dataclass(frozen=True)
class _Task:
    index: int
    path: Path
    id: str
    formats: tuple[str, ...]


@dataclass
class _WorkerState:
    root: Path
    logo: str | None  # clausier.yml's, as the building process knows it
    renderer: BatchRenderer
    repo: Repository | None = None  # loaded at the first agreement, unless inherited
    signed: SignedLibraries | None = None  # signed agreements: the library as of their commit
    ahead: "Connection | None" = None  # where the templates compiled ahead come (see precompiled_templates.py)

    def repository(self) -> Repository:
        if self.repo is None:  # its clauses as they are asked for: the building process reports the library's errors
            from ..repository import load_repository

            self.repo = load_repository(self.root, lazy_clauses=True)
        return self.repo


_LOADED: Repository | None = None  # the building process's repository, inherited by forked workers


def render_in_parallel(plan: Plan, stale: list[tuple[int, Item]], stage: WriteStage, jobs: int, limits: Limits,
                       on_started: Callable[[], None] | None) -> None:
    global _LOADED
    tasks = [_Task(index, item.path, item.id, tuple(item.formats)) for index, item in stale]
    worker_count = min(jobs, len(tasks))
    spare_core = worker_count < (os.cpu_count() or 1)
    known = plan.known_library() if tasks and spare_core else None
    # The worker forked when the command started, importing the pipeline since: the first worker
    # when the workers load the library themselves; stopped otherwise.
    prestarted = prestart.take() if known is not None else None
    repo = None
    if known is not None:
        stage.library_checked(*known, record=False)
    else:
        prestart.dismiss()
        repo = load_and_check_library(plan, stage)
    tasks = in_building_order(tasks, lambda task: task.path, plan.root)  # like after like: see building_order.py
    # One agreement, its worker loading the library itself: this process compiles the agreement's
    # templates meanwhile, on the other core, and hands them through a pipe the worker was forked
    # with: the prestarted worker's, or one made now for a forked worker.
    handoff = None
    if known is not None and len(tasks) == 1:
        handoff = prestarted.handoff if prestarted is not None else Handoff() if single_threaded() else None
    elif prestarted is not None:
        prestarted.handoff.close()  # nothing will come down it
    worker_end = handoff if handoff is not None and prestarted is None else None  # (see _worker_setup)
    ahead = partial(_send_templates_ahead, plan, tasks[0], handoff) if handoff is not None else None
    stage.start(len(tasks))

    def done(task: _Task, ok: bool, value) -> None:
        if ok:
            stage.done(task.index, value)
        else:
            stage.failed(task.index, value)

    try:
        if tasks:
            _LOADED = repo
            formats = sorted({f for task in tasks for f in task.formats})
            abbreviations = pandoc_abbreviations(plan) if any(f != "md" for f in formats) else ()
            store = part_store(plan, abbreviations) if "pdf" in formats else None
            expected = min(-(-len(tasks) // worker_count), limits.recycle_every)
            # A warm-up needs a core to spare: beside busy workers it would only slow them down.
            kept = kept_sources(plan, read=spare_core) if "pdf" in formats else None
            progress = stage.progress
            run(tasks, worker_count,
                partial(_worker_setup, plan.root, stage.logo, formats, abbreviations, expected, store, kept, worker_end),
                _render_task, _worker_teardown, done, limits, on_tick=progress.tick if progress else None,
                on_started=partial(_while_workers_start, stage, store, kept, on_started, ahead),
                on_finished=stage.save, prestarted=prestarted)
    finally:
        _LOADED = None
        if handoff is not None:
            handoff.close()
        if prestarted is not None and not prestarted.adopted:
            prestarted.kill()  # the build stopped before its workers started


# ---------------------------------------------------------------- in a worker


def _worker_setup(root: Path, logo: str | None, formats: list[str], abbreviations: tuple[str, ...], expected: int,
                  store: PartStore | None, kept: KeptSources | None, ahead: "Handoff | None" = None) -> _WorkerState:
    """A forked worker shares the repository the building process loaded, if it did; otherwise
    it loads its own at its first agreement, after starting pandoc and Typst's warm-up (a lone
    rebuild). `expected`: about how many documents it will build (pandoc is tuned for few or many)."""
    if ahead is None:  # a prestarted worker's pipe was made before its fork (closed when nothing comes)
        ahead = prestart.inherited_handoff()
    else:  # forked with both ends: the worker's copy of the writing end would keep the pipe from ending
        ahead.writer.close()
        ahead = ahead.reader
    renderer = BatchRenderer(abbreviations, expected, store, kept)
    renderer.warm_up(root, formats)
    inherited = _LOADED if _LOADED is not None and _LOADED.root == root else None
    return _WorkerState(root, logo, renderer, inherited, ahead=ahead)


def _worker_teardown(state: _WorkerState) -> None:
    state.renderer.close()
    if state.signed is not None:
        state.signed.close()


def _render_task(state: _WorkerState, task: _Task) -> Outcome:
    """In a worker: one agreement to bytes, or its errors. Never writes."""
    from ..lint.gate import refuse_errors  # what `check` finds, `build` refuses

    try:
        state.renderer.begin(state.root, state.logo, task.id, task.formats)
        repo = state.repository()
        if state.ahead is not None:  # before the first assembly makes the Jinja environment
            from .precompiled_templates import receive

            # A build does not wait: what comes late is compiled here (tests wait, to see it used).
            repo.precompiled, state.ahead = receive(state.ahead, 0.0), None
    except ClausierError as exc:
        return Outcome(errors=error_lines(exc))
    if state.signed is None:
        state.signed = SignedLibraries()
    outcome = render_agreement(repo, task.path, list(task.formats), refuse_errors,
                               renderers=state.renderer, signed=state.signed)
    if not outcome.errors:
        if repo.precompiled is not None:
            outcome.notes["templates_ahead"] = repo.precompiled.used
        outcome.notes["prestarted"] = prestart.in_prestarted_worker()
    return outcome


# ---------------------------------------------------------------- in the building process, meanwhile


def _send_templates_ahead(plan: Plan, task: _Task, handoff: Handoff) -> int:
    """Once the worker has started: for a lone agreement built before, compile the templates and
    clause texts it used last time (its front matter may name another template or language now)
    and send them down `handoff`, which is then closed. Returns how many."""
    record = plan.cache.data.get("agreements", {}).get(plan.items[task.index].rel)
    try:
        if not record or not record.get("template"):
            return 0
        try:
            from ..safefile import read_text

            template, language, _ = structure_key(read_text(plan.root, task.path))
        except (OSError, ValueError, ClausierError):
            return 0
        from .precompiled_templates import TemplatesAhead

        return TemplatesAhead(plan.root, template or record["template"], list(record.get("clauses") or []),
                              language or None, handoff).send()
    finally:
        handoff.close()


def _while_workers_start(stage: WriteStage, store: PartStore | None, kept: KeptSources | None,
                         callers: Callable[[], None] | None, ahead: Callable[[], int] | None = None) -> None:
    """This process's own chores, done while the first documents are built: a lone agreement's
    templates compiled for its worker (first: the worker soon needs them), the manifest's and the
    cache's text prepared, the part store and the kept sources pruned (a worker that finds a file
    gone does without), and the caller's."""
    if ahead is not None:
        ahead()
    stage.prepare()
    if store is not None:
        prune_part_store(Path(store.path))
    if kept is not None:
        kept.prune()
    if callers is not None:
        callers()
