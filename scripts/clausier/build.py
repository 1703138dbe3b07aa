"""Build agreements: load → assemble → render → write; incremental and in parallel.

Two routes give the same bytes (a test compares them):

- the single route, `render_outputs`: one agreement, one pandoc process per format and a
  fresh Typst compile (the handbook's specimens use it);
- the batch route, used by `build`: worker processes (workers.py), each with one
  `pandoc lua` process converting document after document (batch.py) and one reused
  Typst compiler, so no process starts per document.

`build` first asks the cache (incremental.py) which outputs are stale, builds only those,
and writes each file atomically from this process. A failing agreement never stops the
others and never touches its previous outputs: every format is rendered first, and files
are replaced only when all succeeded.

The pipeline (pydantic models, Jinja, Babel) is imported where it is used, not here: a lone
rebuild's building process never needs it, and its worker starts pandoc and Typst's warm-up
before paying for it (see `_build` and warm_start.py).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Protocol

from . import prestart
from .batch import BatchCrash, BatchError, PandocBatch, PartStore, prune_part_store
from .errors import BuildError, ClausierError, ContentError
from .handoff import Handoff
from .incremental import AgreementResult, BuildReport, Plan, parse_formats, plan_build
from .order import in_building_order, structure_key
from .output import Manifest, sha256, write_atomic
from .paths import safe_asset_path
from .render import RENDERERS, RenderSettings, check_renderable, split_header, stamp_docx, typst_inputs
from .typst_batch import TypstWorkspace
from .warm_start import KeptSource, KeptSources
from .workers import MEMORY_LIMIT, RECYCLE_EVERY, TIME_LIMIT, Limits, run, single_threaded

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from .assemble import Assembled
    from .repository import AgreementFile, Repository
    from .signoff import FrozenLibraries

__all__ = ["AgreementResult", "BuildReport", "build", "parse_formats", "render_outputs"]

WARM_UP_NICENESS = 10  # the warm-up thread's: below the worker's and its pandoc's, which the agreement waits for
TEST_HOOK = "CLAUSIER_TEST_WORKER_HOOK"  # tests only: "kill:<id>", "sleep:<id>", "alloc:<id>", "await-templates"
AWAIT_TEMPLATES = 60.0  # seconds a worker under the "await-templates" hook waits for the templates compiled ahead


def render_settings(repo: Repository, agreement: AgreementFile, assembled: Assembled) -> RenderSettings:
    from .assemble import LANG_TAGS

    model = agreement.model
    config = repo.config
    branding = config.branding if config else None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if model.status == "signed" and model.signed is not None:
        from .signoff import signing_timestamp  # (signed agreements only: it brings git and ruamel)

        timestamp = signing_timestamp(model.signed.on)  # a signed PDF keeps its date, whatever the build says
    elif epoch and epoch.isdigit():
        timestamp = int(epoch)
    else:
        moment = dt.datetime.combine(model.effective_date, dt.time(), tzinfo=dt.timezone.utc)
        timestamp = int(moment.timestamp())
    logo = None
    # The organisation's brand heads its own contracts; an agreement with another provider
    # carries that provider's name and no logo.
    own = model.provider is None
    if own and branding and branding.logo:
        logo = safe_asset_path(repo.root, branding.logo, "clausier.yml", "branding.logo")
    brand = (branding.name if branding else "") if own else model.provider.name
    return RenderSettings(
        root=repo.root,
        reference=model.reference or agreement.id,
        version=str(model.version),
        brand=brand,
        primary=branding.colors.primary if branding else "#1f3a5f",
        accent=branding.colors.accent if branding else "#b5651d",
        language=assembled.plan.language,
        date=dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).date().isoformat(),
        timestamp=timestamp,
        title=assembled.title,
        lang_tag=LANG_TAGS[assembled.plan.language],
        logo=logo,
        status=model.status,  # draft marks and the outputs' names: render / identity.py
        client=model.client.name,
    )


def render_outputs(repo: Repository, agreement: AgreementFile, formats: list[str]) -> tuple[Assembled, dict[str, bytes]]:
    """Every requested format in memory, by the single route; nothing is written yet."""
    from .assemble import assemble

    assembled = assemble(repo, agreement)
    check_renderable(assembled.markdown, agreement.path, repo, assembled.plan)
    settings = render_settings(repo, agreement, assembled)
    outputs: dict[str, bytes] = {}
    markdown_bytes = assembled.markdown.encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="clausier-") as scratch:
        source = Path(scratch) / f"{agreement.id}.md"
        source.write_text(split_header(assembled.markdown), encoding="utf-8")
        for fmt in formats:
            outputs[fmt] = markdown_bytes if fmt == "md" else RENDERERS[fmt](source, settings, agreement.path)
    return assembled, outputs


def manifest_entry(repo: Repository, agreement: AgreementFile, assembled: Assembled) -> dict:
    """The manifest's record of an agreement, but its outputs (added when they are written)."""
    plan = assembled.plan
    clauses = []
    for article in plan.articles:
        if article.id in repo.clauses:
            clauses.append({"id": article.id, "version": repo.clauses[article.id].meta.version,
                            "variant": article.variant, "number": article.number})
    return {
        "source": agreement.path,
        "template": agreement.model.template,
        "language": plan.language,
        "status": agreement.model.status,
        "version": agreement.model.version,
        "clauses": clauses,
        "outputs": {},
    }


# ---------------------------------------------------------------- the batch route (in a worker)


class BatchRenderer:
    """A worker's tools: one pandoc process, one Typst compiler per style and logo."""

    def __init__(self, abbreviations: tuple[str, ...], expected: int, store: PartStore | None,
                 kept: KeptSources | None = None) -> None:
        self.pandoc = PandocBatch(abbreviations=abbreviations, expected=expected, store=store)
        self.typst: dict[tuple[Path, Path | None], TypstWorkspace] = {}
        self.several = expected > 1  # Typst reuses layout only from a second document on: see typst_batch
        self.kept = kept  # each PDF's Typst source is kept there; read to warm up (see warm_start)
        self._begun = False  # a warm-up is for the first agreement only
        self.warm_ups = 0  # kept sources compiled ahead of their agreement
        self._warming: threading.Thread | None = None

    def warm_up(self, root: Path, formats: list[str]) -> None:
        """Let pandoc warm up (in its own process) while this worker assembles its first agreement."""
        settings = RenderSettings(root=root, reference="", version="", brand="", primary="", accent="",
                                  language="fr", date="", timestamp=0, title="Contrat", lang_tag="fr-FR")
        try:
            self.pandoc.warm_up(settings, formats)
        except ContentError:  # a style file safefile refuses: each agreement then fails with the message
            pass

    def begin(self, root: Path, logo: str | None, agreement_id: str, formats: tuple[str, ...]) -> None:
        """Before the first agreement is read: have its kept source compiled in a thread (Typst
        runs outside Python's lock, on the spare core) while this one loads the library (a lone
        rebuild), assembles and converts the agreement. `logo`: clausier.yml's, as the building
        process knows it."""
        first, self._begun = not self._begun, True
        if not first or "pdf" not in formats or self.kept is None or not self.kept.read:
            return
        try:  # speculative: whatever goes wrong here only means no warm-up
            kept = self.kept.find(agreement_id)
            if kept is None:
                return
            # (no logo in the kept settings: an agreement with another provider, in the workspace without it)
            path = safe_asset_path(root, logo, "clausier.yml", "branding.logo") if logo and kept.settings.get("logo") else None
            workspace = self._workspace(root.resolve(), path)
            if not workspace.stage(kept):
                return
        except Exception:  # noqa: BLE001 - the agreement itself is built next, and fails there if it must
            return
        self._warming = threading.Thread(target=self._warm_typst, args=(workspace,), daemon=True)
        self._warming.start()

    def _warm_typst(self, workspace: TypstWorkspace) -> None:
        try:  # Linux schedules threads one by one: this one yields to the agreement's own work
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WARM_UP_NICENESS)
        except (AttributeError, OSError):
            pass
        if workspace.compile_staged():
            self.warm_ups += 1

    def _settled(self) -> None:
        """Typst's compilers are this thread's again (the warm-up is over)."""
        if self._warming is not None:
            self._warming.join()
            self._warming = None

    def render(self, repo: Repository, agreement: AgreementFile, formats: list[str]) -> tuple[Assembled, dict[str, bytes]]:
        from .assemble import assemble

        assembled = assemble(repo, agreement)
        check_renderable(assembled.markdown, agreement.path, repo, assembled.plan)
        settings = render_settings(repo, agreement, assembled)
        converted: dict[str, bytes] = {}
        spans: list[tuple[int, int]] = []  # where the Typst source's parts lie
        through_pandoc = [f for f in formats if f != "md"]
        if through_pandoc:
            try:
                results, spans = self.pandoc.convert_with_spans(
                    agreement.id, split_header(assembled.markdown), settings, through_pandoc,
                    spans=self.several or self.kept is not None)
            except BatchError as exc:
                raise BuildError(agreement.path, f"pandoc failed: {exc}") from None
            except BatchCrash as exc:
                raise BuildError(agreement.path, str(exc)) from None
            converted = dict(zip(through_pandoc, results))
        _test_hook("mid", agreement.id)
        outputs: dict[str, bytes] = {}
        for fmt in formats:
            if fmt == "md":
                outputs[fmt] = assembled.markdown.encode("utf-8")
            elif fmt == "pdf":
                outputs[fmt] = self.compile_pdf(converted[fmt], spans, settings, agreement)
            elif fmt == "docx":
                outputs[fmt] = stamp_docx(converted[fmt], settings)
            else:
                outputs[fmt] = converted[fmt]
        return assembled, outputs

    def compile_pdf(self, source: bytes, spans: list[tuple[int, int]], settings: RenderSettings,
                    agreement: AgreementFile) -> bytes:
        self._settled()
        # Cut into parts only when a compile before this one may have laid them out.
        warmed = self.several or self.warm_ups > 0
        slot = (settings.root, settings.logo)
        try:
            pdf = self._workspace(*slot).compile(source, spans if warmed else [], settings, agreement.path)
        except BuildError:
            self.typst.pop(slot).close()  # a compiler that failed is not reused
            raise
        if self.kept is not None and spans:
            try:
                self.kept.keep(agreement.id, KeptSource(source, spans, typst_inputs(settings)))
            except OSError:
                pass  # only the next build's warm-up needed it
        return pdf

    def _workspace(self, root: Path, logo: Path | None) -> TypstWorkspace:
        slot = (root, logo)
        if slot not in self.typst:
            self.typst[slot] = TypstWorkspace(root, logo)
        return self.typst[slot]

    def close(self) -> None:
        self._settled()
        self.pandoc.close()
        for workspace in self.typst.values():
            workspace.close()
        self.typst.clear()


def _test_hook(stage: str, agreement_id: str) -> None:
    """Tests only: make the worker misbehave on one agreement, mid-document."""
    spec = os.environ.get(TEST_HOOK)
    if not spec:
        return
    for action in spec.split(","):
        what, _, target = action.partition(":")
        if target != agreement_id:
            continue
        if what == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif what == "sleep":
            time.sleep(3600)
        elif what == "alloc":
            hoard = []
            while True:  # until the memory limit says no
                hoard.append(bytearray(64 * 1024 * 1024))


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
    libraries: "FrozenLibraries | None" = None  # signed agreements: the library as of their commit
    ahead: "Connection | None" = None  # where the templates compiled ahead come (see precompile.py)

    def repository(self) -> Repository:
        if self.repo is None:  # its clauses as they are asked for: the building process reports the library's errors
            from .repository import load_repository

            self.repo = load_repository(self.root, lazy_clauses=True)
        return self.repo


_LOADED: Repository | None = None  # the building process's repository, inherited by forked workers


def _worker_setup(root: Path, logo: str | None, formats: list[str], abbreviations: tuple[str, ...], expected: int,
                  store: PartStore | None, kept: KeptSources | None, ahead: "Connection | None" = None) -> _WorkerState:
    """A forked worker shares the repository the building process loaded, if it did; otherwise
    it loads its own at its first agreement, after starting pandoc and Typst's warm-up (a lone
    rebuild: see _build). `expected`: about how many documents it will build (pandoc is tuned
    for few or many)."""
    if ahead is None:  # a prestarted worker's pipe was made before its fork (closed when nothing comes)
        ahead = prestart.inherited_handoff()
    renderer = BatchRenderer(abbreviations, expected, store, kept)
    renderer.warm_up(root, formats)
    inherited = _LOADED if _LOADED is not None and _LOADED.root == root else None
    return _WorkerState(root, logo, renderer, inherited, ahead=ahead)


def _worker_teardown(state: _WorkerState) -> None:
    state.renderer.close()
    if state.libraries is not None:
        state.libraries.close()


def _render_task(state: _WorkerState, task: _Task) -> dict:
    """In a worker: one agreement to bytes, or its errors. Never writes."""
    renderer = state.renderer
    outcome: dict = {"index": task.index, "id": None, "errors": []}
    try:
        renderer.begin(state.root, state.logo, task.id, task.formats)
        repo = state.repository()
        if state.ahead is not None:  # before the first assembly makes the Jinja environment
            from .precompile import receive

            # A build does not wait: what comes late is compiled here (tests wait, to see it used).
            wait = AWAIT_TEMPLATES if "await-templates" in os.environ.get(TEST_HOOK, "").split(",") else 0.0
            repo.precompiled, state.ahead = receive(state.ahead, wait), None
        if repo.config is None:
            raise ClausierError("clausier.yml has errors; fix it first")
        from .repository import load_agreement

        agreement = load_agreement(repo, task.path)
        outcome["id"] = agreement.id
        current = repo, agreement  # what `check` checks (a signed one is built from its frozen library)
        if agreement.model.status == "signed":  # its text comes from the library it was signed with
            from .signoff import FrozenLibraries, frozen_inputs

            if state.libraries is None:
                state.libraries = FrozenLibraries(repo.root)
            frozen = frozen_inputs(state.libraries, agreement, task.path)
            if frozen is not None:
                repo, agreement = frozen
        assembled, data = renderer.render(repo, agreement, list(task.formats))
        from .lint.gate import refuse_errors  # what `check` finds, `build` refuses

        refuse_errors(*current, task.path, assembled if repo is current[0] else None)
        if repo.precompiled is not None:
            outcome["templates_ahead"] = repo.precompiled.used
        outcome["prestarted"] = prestart.in_prestarted_worker()
        outcome["outputs"] = data
        outcome["sha256"] = {fmt: sha256(content) for fmt, content in data.items()}
        outcome["manifest"] = manifest_entry(repo, agreement, assembled)
        outcome["template"] = agreement.model.template
        # In the articles' order: the order its templates are compiled ahead in at its next rebuild.
        outcome["clauses"] = list(dict.fromkeys(a.id for a in assembled.plan.articles if a.id in repo.clauses))
    except ContentError as exc:
        outcome["errors"] = [str(f) for f in sorted(exc.findings, key=lambda f: (f.path, f.line, f.col))]
    except ClausierError as exc:
        outcome["errors"] = [str(exc)]
    return outcome


# ---------------------------------------------------------------- build


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self, result: AgreementResult) -> None: ...
    def tick(self) -> None: ...


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
) -> BuildReport:
    """Build the given agreements (default: all) into `out` (default: build/).

    Only stale outputs are rebuilt (`force` rebuilds all), in `jobs` worker processes
    (default: one per core); `shard=(k, n)` builds the k-th of n stable slices.
    `on_result` is called for every agreement, up to date ones included; `on_started` once,
    while the workers build their first documents (the caller's own chores, off the clock).
    """
    formats = parse_formats(formats)
    plan = plan or plan_build(root, paths, formats, out, force=force, shard=shard)
    with plan.cache.locked():
        if not plan.needs_work:
            report = _up_to_date_report(plan)
            for result in report.results:
                if on_result:
                    on_result(result)
            return report
        return _build(plan, on_result, jobs or os.cpu_count() or 1,
                      Limits(time_limit, memory_limit, max(1, recycle_every)), progress, on_started)


def _up_to_date_report(plan: Plan) -> BuildReport:
    from .incremental import report_up_to_date, save_if_changed

    report = report_up_to_date(plan)
    save_if_changed(plan)
    return report


def _build(plan: Plan, on_result, jobs: int, limits: Limits, progress: Progress | None,
           on_started: Callable[[], None] | None) -> BuildReport:
    global _LOADED
    results: dict[int, AgreementResult] = {}
    manifest_new: dict[str, dict] = {}

    @cache
    def manifest_as_read() -> Manifest:
        """Megabytes at thousands of agreements: read once (when the workers have started, or at
        the first result), and updated only once every result is in."""
        return Manifest.read(plan.out)

    tasks = []
    for index, item in enumerate(plan.items):
        if item.formats:
            tasks.append(_Task(index, item.path, item.id, tuple(item.formats)))
        else:
            results[index] = AgreementResult(path=item.rel, id=item.id, up_to_date=True,
                                             outputs={f: str(plan.output_path(item, f)) for f in plan.formats})
            if on_result:
                on_result(results[index])
    worker_count = min(jobs, len(tasks))
    spare_core = worker_count < (os.cpu_count() or 1)
    # A few agreements to build (an edit) and the library as last recorded: this process loads
    # nothing and its workers start at once, each loading the library itself while its pandoc
    # and Typst warm up on the spare core. Otherwise the library is loaded here, once, and the
    # workers forked from this process share it.
    known = plan.known_library() if tasks and spare_core else None
    # The worker forked when the command started (prestart.py), importing the pipeline since:
    # the first worker when the workers load the library themselves; stopped otherwise.
    prestarted = prestart.take() if known is not None else None
    repo = None
    if known is not None:
        library_errors, logo = known
    else:
        prestart.dismiss()
        from .lint.gate import library_errors as checked_library
        from .repository import load_repository

        repo = load_repository(plan.root)
        library_errors = checked_library(repo)  # the loader's errors and `check`'s library rules'
        logo = None
        if repo.config is not None and repo.config.branding.logo:
            logo = Path(repo.config.branding.logo).as_posix()
        plan.record_library(library_errors, logo)
    report = BuildReport(library_errors=library_errors)
    tasks = in_building_order(tasks, lambda task: task.path, plan.root)  # like after like: see order.py
    # One agreement, its worker loading the library itself: this process compiles the agreement's
    # templates meanwhile, on the other core, and hands them through a pipe the worker was forked
    # with (see precompile.py): the prestarted worker's, or one made now for a forked worker.
    handoff = None
    if known is not None and len(tasks) == 1:
        handoff = prestarted.handoff if prestarted is not None else Handoff() if single_threaded() else None
    elif prestarted is not None:
        prestarted.handoff.close()  # nothing will come down it
    worker_end = handoff.reader if handoff is not None and prestarted is None else None  # (see _worker_setup)
    ahead = partial(_send_templates_ahead, plan, tasks[0], handoff) if handoff is not None else None
    if progress:
        progress.start(len(tasks))

    def done(task: _Task, ok: bool, value) -> None:
        item = plan.items[task.index]
        result = AgreementResult(path=item.rel, id=item.id)
        if not ok:
            result.errors = [f"{item.rel}: error: {value}"]
        elif value["errors"]:
            result.id = value["id"]
            result.errors = value["errors"]
        else:
            result.id = value["id"]
            report.templates_ahead += value.get("templates_ahead", 0)
            report.prestarted += bool(value.get("prestarted"))
            _remove_stale_temporaries(plan.out / item.id)
            written = {}
            for fmt, content in value["outputs"].items():
                target = plan.output_path(item, fmt)
                write_atomic(target, content)
                written[fmt] = (target, value["sha256"][fmt])
            entry = plan.entry(item, value["template"], value["clauses"], logo, written)
            manifest = value["manifest"]
            previous = manifest_as_read().entry(item.id).get("outputs", {})
            for fmt in plan.formats:
                if fmt in written:
                    manifest["outputs"][fmt] = {"path": written[fmt][0].relative_to(plan.out).as_posix(),
                                                "sha256": written[fmt][1]}
                elif fmt in previous and fmt in entry["outputs"]:
                    manifest["outputs"][fmt] = previous[fmt]
            manifest["outputs"] = dict(sorted(manifest["outputs"].items()))
            entry["manifest"] = manifest
            manifest_new[item.id] = manifest
            plan.cache.record(item.rel, entry)
            result.outputs = {f: str(plan.output_path(item, f)) for f in plan.formats}
        results[task.index] = result
        if on_result:
            on_result(result)
        if progress:
            progress.advance(result)

    saved = False

    def save() -> None:
        """The manifest and the cache, once every result is in: while the last workers tear
        down (their Typst folders, their pandoc), or after a failure, as the build stops."""
        nonlocal saved
        if saved:
            return
        saved = True
        for entry in plan.cache.recovered_entries():
            if entry.get("manifest") and entry["id"] not in manifest_new:
                manifest_new[entry["id"]] = entry["manifest"]
        if manifest_new:
            manifest_as_read().write(plan.out, manifest_new, plan.tools)
        plan.remember_files()
        plan.cache.save()

    try:
        if tasks:
            _LOADED = repo
            formats = sorted({f for task in tasks for f in task.formats})
            abbreviations = plan.pandoc_abbreviations() if any(f != "md" for f in formats) else ()
            store = plan.part_store(abbreviations) if "pdf" in formats else None
            expected = min(-(-len(tasks) // worker_count), limits.recycle_every)
            # A warm-up needs a core to spare: beside busy workers it would only slow them down.
            kept = plan.kept_sources(read=spare_core) if "pdf" in formats else None
            run(tasks, worker_count,
                partial(_worker_setup, plan.root, logo, formats, abbreviations, expected, store, kept, worker_end),
                _render_task, _worker_teardown, done, limits, on_tick=progress.tick if progress else None,
                on_started=partial(_while_workers_start, manifest_as_read, plan, store, kept, on_started, ahead),
                on_finished=save, prestarted=prestarted)
    finally:
        _LOADED = None
        if handoff is not None:
            handoff.close()
        if prestarted is not None and not prestarted.adopted:
            prestarted.kill()  # the build stopped before its workers started
        save()
    report.results = [results[i] for i in sorted(results)]
    return report


def _send_templates_ahead(plan: Plan, task: _Task, handoff: Handoff) -> int:
    """In this process, once the worker has started: for a lone agreement built before, compile
    the templates and clause texts it used last time (its front matter may name another template
    or language now) and send them down `handoff`, which is then closed. Returns how many."""
    record = plan.cache.data.get("agreements", {}).get(plan.items[task.index].rel)
    try:
        if not record or not record.get("template"):
            return 0
        try:
            from .safefile import read_text

            template, language, _ = structure_key(read_text(plan.root, task.path))
        except (OSError, ValueError, ClausierError):
            return 0
        from .precompile import TemplatesAhead

        return TemplatesAhead(plan.root, template or record["template"], list(record.get("clauses") or []),
                              language or None, handoff).send()
    finally:
        handoff.close()


def _while_workers_start(manifest: Callable[[], Manifest], plan: Plan, store: PartStore | None,
                         kept: KeptSources | None, callers: Callable[[], None] | None,
                         ahead: Callable[[], int] | None = None) -> None:
    """This process's own chores, done while the first documents are built: a lone agreement's
    templates compiled for its worker (first: the worker soon needs them), the manifest's and the
    cache's text prepared (only what changes is serialised at the end), the part store and the
    kept sources pruned (a worker that finds a file gone does without), and the caller's."""
    if ahead is not None:
        ahead()
    manifest().prepare()
    plan.cache.prepare()
    if store is not None:
        prune_part_store(Path(store.path))
    if kept is not None:
        kept.prune()
    if callers is not None:
        callers()


def _remove_stale_temporaries(folder: Path) -> None:
    """Temporary files a killed build left beside the outputs (they never replaced anything)."""
    try:
        with os.scandir(folder) as entries:
            stale = [e.path for e in entries if e.name.startswith(".") and e.name.endswith(".tmp")]
    except OSError:
        return
    for path in stale:
        Path(path).unlink(missing_ok=True)
