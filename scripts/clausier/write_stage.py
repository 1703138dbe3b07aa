"""The build's write stage, in the building process: each agreement's outputs written atomically,
recorded in the cache (a journal line at once) and the manifest (once every result is in), and the
report. Renderers never write, so an agreement whose rendering fails, or whose worker is killed,
leaves its previous outputs as they were."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Callable, Protocol

from .errors import Finding
from .incremental import Item, Plan
from .output import Manifest, write_atomic
from .pipeline import Outcome
from .results import AgreementResult, BuildReport


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self, result: AgreementResult) -> None: ...
    def tick(self) -> None: ...


class WriteStage:
    def __init__(self, plan: Plan, on_result: Callable[[AgreementResult], None] | None,
                 progress: Progress | None) -> None:
        self.plan = plan
        self.on_result = on_result
        self.progress = progress
        self.results: dict[int, AgreementResult] = {}
        self.manifest_new: dict[str, dict] = {}
        self.library_errors: list[Finding] = []
        self.logo: str | None = None  # clausier.yml's, as recorded with each agreement
        self.templates_ahead = 0
        self.prestarted = 0
        self._saved = False

    def stale(self) -> list[tuple[int, Item]]:
        """The agreements to render; the others are reported up to date at once."""
        stale = []
        for index, item in enumerate(self.plan.items):
            if item.formats:
                stale.append((index, item))
            else:
                self._told(index, AgreementResult(path=item.rel, id=item.id, up_to_date=True,
                                                  outputs=self._output_paths(item)))
        return stale

    def library_checked(self, errors: list[Finding], logo: str | None, record: bool = True) -> None:
        """The gate's verdict on the library (`record`: computed now, so kept for the next build)."""
        self.library_errors, self.logo = errors, logo
        if record:
            self.plan.record_library(errors, logo)

    def start(self, total: int) -> None:
        if self.progress:
            self.progress.start(total)

    def failed(self, index: int, message: str) -> None:
        """The agreement's renderer gave no outcome (its worker died or was stopped)."""
        item = self.plan.items[index]
        self._told(index, AgreementResult(path=item.rel, id=item.id, errors=[f"{item.rel}: error: {message}"]))

    def done(self, index: int, outcome: Outcome) -> None:
        item = self.plan.items[index]
        result = AgreementResult(path=item.rel, id=outcome.id)
        if outcome.errors:
            result.errors = outcome.errors
        else:
            self.templates_ahead += outcome.notes.get("templates_ahead", 0)
            self.prestarted += bool(outcome.notes.get("prestarted"))
            self._write(item, outcome)
            result.outputs = self._output_paths(item)
        self._told(index, result)

    def _write(self, item: Item, outcome: Outcome) -> None:
        plan = self.plan
        _remove_stale_temporaries(plan.out / item.id)
        written = {}
        for fmt, content in outcome.outputs.items():
            target = plan.output_path(item, fmt)
            write_atomic(target, content)
            written[fmt] = (target, outcome.sha256[fmt])
        entry = plan.entry(item, outcome.template, outcome.clauses, self.logo, written)
        manifest = outcome.manifest
        previous = self.manifest_as_read.entry(item.id).get("outputs", {})
        for fmt in plan.formats:
            if fmt in written:
                manifest["outputs"][fmt] = {"path": written[fmt][0].relative_to(plan.out).as_posix(),
                                            "sha256": written[fmt][1]}
            elif fmt in previous and fmt in entry["outputs"]:
                manifest["outputs"][fmt] = previous[fmt]
        manifest["outputs"] = dict(sorted(manifest["outputs"].items()))
        entry["manifest"] = manifest
        self.manifest_new[item.id] = manifest
        plan.cache.record(item.rel, entry)

    def _told(self, index: int, result: AgreementResult) -> None:
        self.results[index] = result
        if self.on_result:
            self.on_result(result)
        if self.progress and not result.up_to_date:
            self.progress.advance(result)

    def _output_paths(self, item: Item) -> dict[str, str]:
        return {f: str(self.plan.output_path(item, f)) for f in self.plan.formats}

    @cached_property
    def manifest_as_read(self) -> Manifest:
        """Megabytes at thousands of agreements: read once (while the first documents are built,
        or at the first result), and updated only once every result is in."""
        return Manifest.read(self.plan.out)

    def prepare(self) -> None:
        """While the first documents are built: the manifest's and the cache's text serialised
        now, so that save() serialises only what changed."""
        self.manifest_as_read.prepare()
        self.plan.cache.prepare()

    def save(self) -> None:
        """The manifest and the cache, once every result is in (or as the build stops on a failure)."""
        if self._saved:
            return
        self._saved = True
        plan = self.plan
        for entry in plan.cache.recovered_entries():
            if entry.get("manifest") and entry["id"] not in self.manifest_new:
                self.manifest_new[entry["id"]] = entry["manifest"]
        if self.manifest_new:
            self.manifest_as_read.write(plan.out, self.manifest_new, plan.tools)
        plan.remember_files()
        plan.cache.save()

    def report(self) -> BuildReport:
        return BuildReport(library_errors=self.library_errors, results=[self.results[i] for i in sorted(self.results)],
                           templates_ahead=self.templates_ahead, prestarted=self.prestarted)


def _remove_stale_temporaries(folder: Path) -> None:
    """Temporary files a killed build left beside the outputs (they never replaced anything)."""
    try:
        with os.scandir(folder) as entries:
            stale = [e.path for e in entries if e.name.startswith(".") and e.name.endswith(".tmp")]
    except OSError:
        return
    for path in stale:
        Path(path).unlink(missing_ok=True)
