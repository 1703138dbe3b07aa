"""`build`: many agreements, in named stages. One agreement's own pipeline is pipeline.py.

    plan            which outputs are stale, from the cache alone (incremental.py)
    check gate      the library's errors, as `check` finds them (lint/gate.py)
    render stale    each stale agreement through pipeline.render_agreement:
                      simple route: one by one, in this process, one pandoc process per format;
                      fast route (the default): in worker processes (fast/parallel.py)
    write           each agreement's outputs written atomically, the cache and manifest (write_stage.py)
    report          what was built, what was up to date, what failed, and why (results.py)

Both routes give the same bytes (tests/test_simple_route.py). `CLAUSIER_SIMPLE=1` or
`clausier build --simple` takes the simple route, and turns every speed-up off (fast/).
A failing agreement never stops the others and never touches its previous outputs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable

from . import fast
from .fast.worker_pool import MEMORY_LIMIT, RECYCLE_EVERY, TIME_LIMIT, Limits
from .incremental import Item, Plan, plan_build, report_up_to_date, save_if_changed
from .library_gate import load_and_check_library
from .results import AgreementResult, BuildReport
from .selection import parse_formats
from .write_stage import Progress, WriteStage

__all__ = ["AgreementResult", "BuildReport", "build", "parse_formats"]


def build(
    root: Path,
    paths: list[Path] | None = None,
    formats: Iterable[str] = ("pdf",),
    out: Path | None = None,
    on_result: Callable[[AgreementResult], None] | None = None,
    *,
    jobs: int | None = None,
    force: bool = False,
    shard: tuple[int, int] | None = None,
    time_limit: float | None = TIME_LIMIT,
    memory_limit: int | None = MEMORY_LIMIT,
    recycle_every: int = RECYCLE_EVERY,
    progress: Progress | None = None,
    plan: Plan | None = None,
    on_started: Callable[[], None] | None = None,
    simple: bool | None = None,
) -> BuildReport:
    """Build the given agreements (default: all) into `out` (default: build/).

    Only stale outputs are rebuilt (`force` rebuilds all); `shard=(k, n)` builds the k-th of n
    stable slices. `on_result` is called for every agreement, up-to-date ones included.
    `simple` (default: CLAUSIER_SIMPLE) renders one by one in this process; otherwise in `jobs`
    worker processes (default: one per core) under the limits, and `on_started` is called once,
    while the workers build their first documents (the caller's own chores, off the clock).
    """
    formats = parse_formats(formats)
    plan = plan or plan_build(root, paths, formats, out, force=force, shard=shard)
    simple = fast.disabled() if simple is None else simple
    with plan.cache.locked():
        if not plan.needs_work:
            return _up_to_date(plan, on_result)
        stage = WriteStage(plan, on_result, progress)
        stale = stage.stale()
        try:
            if simple:
                _render_one_by_one(plan, stale, stage)
            else:
                from .fast.parallel import render_in_parallel

                limits = Limits(time_limit, memory_limit, max(1, recycle_every))
                render_in_parallel(plan, stale, stage, jobs or os.cpu_count() or 1, limits, on_started)
        finally:
            stage.save()
        return stage.report()


def _up_to_date(plan: Plan, on_result: Callable[[AgreementResult], None] | None) -> BuildReport:
    report = report_up_to_date(plan)
    save_if_changed(plan)
    for result in report.results:
        if on_result:
            on_result(result)
    return report


def _render_one_by_one(plan: Plan, stale: list[tuple[int, Item]], stage: WriteStage) -> None:
    """The simple route: the library loaded and checked once, then each agreement rendered by the
    single route and written before the next one starts."""
    from .lint.gate import refuse_errors
    from .pipeline import SignedLibraries, render_agreement

    repo = load_and_check_library(plan, stage)
    stage.start(len(stale))
    signed = SignedLibraries()
    try:
        for index, item in stale:
            stage.done(index, render_agreement(repo, item.path, item.formats, refuse_errors, signed=signed))
    finally:
        signed.close()
