"""`clausier build`: agreements into PDF, DOCX, HTML and Markdown, incrementally and in parallel.

When every output is up to date this module answers from the build cache alone: the
pipeline (pydantic models, Jinja, Babel, Typst) is imported only when something is built.
"""

from __future__ import annotations

import gc
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from ..errors import ClausierError
from .. import fast
from ..fast.worker_pool import MEMORY_LIMIT, TIME_LIMIT
from ..incremental import plan_build, report_up_to_date, save_if_changed
from ..results import AgreementResult
from ..selection import parse_formats
from ..shards import resolve_shard
from .common import err, paint, say, shown

PROGRESS_FROM = 4  # documents: below this a progress bar is noise


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--to", "to", default="pdf", show_default=True, help="Formats, comma-separated: pdf,docx,html,md.")
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default: build/).")
@click.option("--quiet", "-q", is_flag=True, help="Print errors and the summary only.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: the number of cores).")
@click.option("--force", is_flag=True, help="Rebuild every output, even the up-to-date ones.")
@click.option("--shard", metavar="K/N", envvar="CLAUSIER_SHARD",
              help="Build only the K-th of N stable slices of the agreements (CI matrices); `--shard auto` reads "
              "K/N from the CI engine's variables (GitLab, Buildkite, CircleCI). Default: $CLAUSIER_SHARD.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=TIME_LIMIT, show_default=True,
              help="Seconds one agreement may take; its worker is stopped after that.")
@click.option("--memory-limit", type=click.IntRange(min=64), default=MEMORY_LIMIT, show_default=True,
              help="MB of memory each worker process (and its pandoc) may use.")
@click.option("--simple", is_flag=True, help="No speed-ups: one agreement after another in this process, the same "
              "bytes (also CLAUSIER_SIMPLE=1). --jobs and the limits do not apply.")
@click.pass_obj
def build(root: Path, paths: tuple[str, ...], to: str, out: str | None, quiet: bool, jobs: int | None, force: bool,
          shard: str | None, time_limit: float, memory_limit: int, simple: bool) -> None:
    """Build agreements (default: every file in agreements/) into build/<id>/; up-to-date outputs are kept."""
    with _no_cyclic_collection():
        _build(root, paths, to, out, quiet, jobs, force, shard, time_limit, memory_limit, simple or fast.disabled())


@contextmanager
def _no_cyclic_collection():
    """This process keeps what it makes until it ends (modules, the cache, the library): the cyclic
    collector would re-scan it for nothing, and its cyclic garbage
    does not grow with the number of documents. Workers collect their own."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(root: Path, paths: tuple[str, ...], to: str, out: str | None, quiet: bool, jobs: int | None, force: bool,
           shard: str | None, time_limit: float, memory_limit: int, simple: bool) -> None:
    try:
        formats = parse_formats(to)
        slice_ = resolve_shard(shard, os.environ)
    except ClausierError as exc:
        raise click.UsageError(str(exc)) from None
    plan = plan_build(root, [Path(p) for p in paths] or None, formats, Path(out) if out else None,
                      force=force, shard=slice_)
    progress = None

    def line(text: str) -> None:  # while the progress bar is drawn, through its console
        if progress is None:
            say(text)
        else:
            err.print(text, markup=False, highlight=False)

    def show(result: AgreementResult) -> None:
        if result.up_to_date:
            return
        if result.ok:
            if not quiet and progress is None:
                files = ", ".join(shown(Path(p)) for p in result.outputs.values())
                line(f"{paint('✓', 'green')} {result.id}  →  {files}")
        else:
            line(f"{paint('✗', 'red')} {result.path}")
            for error in result.errors:
                line(f"  {error}")

    if not plan.needs_work:
        report = report_up_to_date(plan)
        save_if_changed(plan)
    else:
        if not simple:
            from ..fast import allocator

            try:
                allocator.restart_for_build(len(plan.dirty))  # returns only when it does not restart
            except allocator.AllocatorSettingError as exc:
                raise click.UsageError(str(exc)) from None
        from ..build import build as run_build

        # (the count first: asking whether stderr is a terminal makes the console, and imports rich)
        if not quiet and len(plan.dirty) >= PROGRESS_FROM and err.is_terminal:
            progress = ProgressBar()
        try:
            report = run_build(root, formats=formats, on_result=show, jobs=jobs, time_limit=time_limit,
                               memory_limit=memory_limit, progress=progress, plan=plan, simple=simple)
        finally:
            if progress is not None:
                progress.close()
    for finding in report.library_errors:
        say(str(finding))
    built, fresh, failed = len(report.built), len(report.up_to_date), len(report.failed)
    colour = "red" if failed or report.library_errors else "green"
    say(paint(f"built {built}, up to date {fresh}, failed {failed}"
              + (f", library errors {len(report.library_errors)}" if report.library_errors else ""), colour))
    if failed:
        say("failed: " + ", ".join(r.path for r in report.failed))
    sys.exit(0 if report.ok else 1)


class ProgressBar:
    """Documents done, rate and time left, redrawn by the build's own loop (no thread)."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("building"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]}"), TextColumn("ETA"), TimeRemainingColumn(),
                            console=err.get(), auto_refresh=False, transient=True)
        self.task = None

    def start(self, total: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task("build", total=total, rate="")

    def advance(self, result: AgreementResult) -> None:
        self.bar.advance(self.task)
        self.tick()

    def tick(self) -> None:
        task = self.bar.tasks[0]
        speed = task.finished_speed or task.speed
        self.bar.update(self.task, rate=f"{speed:.1f} docs/s" if speed else "")
        self.bar.refresh()

    def close(self) -> None:
        self.bar.stop()
