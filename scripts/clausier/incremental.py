"""Incremental builds: which outputs are up to date, decided without loading anything heavy.

Every output is recorded with a key: a sha256 over everything that can change its bytes —
the agreement file, its template and the template partials (`templates/_*`), every file of
each clause it uses (clause.yml, texts and variants), the styles (`templates/styles/`), the
logo, `clausier.yml`, `SOURCE_DATE_EPOCH`, and the tools (clausier's own build modules,
pandoc's and Typst's versions). An output is up to date when its recorded key equals the
key computed now and the file on disk is the one that was written.

The cache these keys are kept in, and the file digests they are made of: buildcache.py.
This module imports only the standard library (and the light `render` constants): the
no-op path of `clausier build` runs it, and nothing else, before answering.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .buildcache import PACKAGE, RACY_NS, Cache, Digests, compact_json, hash_json, tool_versions
from .errors import Finding
from .results import AgreementResult, BuildReport
from .selection import agreement_files, agreement_id, in_shard, parse_formats, relative

# Every module one agreement's rendering runs (pipeline.py and what it imports; a test keeps the
# list complete): a change to one of them is a new tool as far as outputs go.
CODE = ("assemble.py", "planning.py", "numbering.py", "outline.py", "parts.py", "cover.py", "markdown.py", "formatting.py", "words.py", "durations.py", "parameters.py",
        "render.py", "pipeline.py", "batch.lua", "typography.lua", "htmlsafety.py",
        "sandbox.py", "blocklines.py", "literals.py", "identity.py", "logo_raster.py", "currencies.py",
        "guards.py", "budget.py", "docx_layout.py", "frame.py", "agreement_places.py",
        "negotiate/identity.py",
        # loading and validation: a changed default or parsed value changes the text
        "repository.py", "languages.py", "settings.py", "models.py", "validation.py", "yamlio.py", "yamlhazards.py", "bounds.py", "selection.py",
        "sentrecord.py", "signedrecord.py",
        "errors.py", "paths.py", "safefile.py", "gitsource.py", "logo.py",
        # the fast route's own converters: the same bytes, but a change to them is a new tool too
        "fast/pandoc_server.py", "fast/typst_workspace.py", "fast/batch_renderer.py")
# The rules `build` runs as `check` does (lint/gate.py): an agreement is recorded only when they
# found no error, so their code is part of every key (a changed rule checks every agreement again).
CHECK_CODE_FOLDERS = ("lint", "lint/rules")
CHECK_CODE = ("signoff.py", "signedhistory.py", "rendered_library.py", "specimens.py", "textsafety.py",
              "hidden_rendered.py")


@dataclass
class Item:
    """One agreement of this build."""

    path: Path
    rel: str
    id: str
    formats: list[str]  # the formats to (re)build; empty when up to date
    digest: str


@dataclass
class Plan:
    root: Path
    out: Path
    formats: list[str]
    items: list[Item]
    cache: Cache
    digests: Digests
    code: Digests
    tools: dict[str, str]
    library_digest: str
    force: bool = False
    _shared: dict = field(default_factory=dict, repr=False)
    _code_digest: str = field(default="", repr=False)
    _dependencies: dict = field(default_factory=dict, repr=False)  # (template, clauses) → their part of a key

    @property
    def dirty(self) -> list[Item]:
        return [i for i in self.items if i.formats]

    @property
    def library_known(self) -> bool:
        """The library's errors were recorded for exactly this library and code."""
        return self.cache.data.get("library", {}).get("digest") == self.library_digest

    @property
    def needs_work(self) -> bool:
        """Something to build, a library whose errors are unknown, or a crashed build to tidy up."""
        return bool(self.dirty) or not self.library_known or bool(self.cache.recovered)

    def known_library(self) -> tuple[list[Finding], str | None] | None:
        """The library's errors and logo as recorded for exactly this library and code, if they were."""
        if not self.library_known:
            return None
        return self.cached_library_errors(), self.cache.data["library"].get("logo")

    def cached_library_errors(self) -> list[Finding]:
        return [Finding(**f) for f in self.cache.data.get("library", {}).get("errors", [])]

    def output_path(self, item: Item, fmt: str) -> Path:
        return Path(self._output_file(item, fmt))

    def _output_file(self, item: Item, fmt: str) -> str:
        return os.path.join(self.out, item.id, f"{item.id}.{fmt}")

    # keys

    def key(self, item: Item, template: str, clauses: list[str], logo: str | None) -> str:
        """hash_json(shared, id, digest, template, its digest, [(clause, digest) …]), the same bytes, with
        the template-and-clauses part (shared by many agreements) serialised once per run."""
        dependencies = self._dependencies.get((template, tuple(clauses)))
        if dependencies is None:
            d = self.digests
            dependencies = compact_json([template, d.of(f"templates/{template}.md.j2"),
                                  [(c, self._clause(c)) for c in clauses]])[1:]
            self._dependencies[(template, tuple(clauses))] = dependencies
        text = f"[{compact_json(self.shared(logo))},{compact_json(item.id)},{compact_json(item.digest)},{dependencies}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def shared(self, logo: str | None) -> str:
        """The part of every key that does not depend on the agreement."""
        if logo not in self._shared:
            d = self.digests
            partials = [(name, d.of(f"templates/{name}")) for name in _listdir(self.root / "templates")
                        if name.startswith("_")]
            self._shared[logo] = hash_json(self.tools, os.environ.get("SOURCE_DATE_EPOCH", ""), self.code_digest(),
                                       d.of("clausier.yml"), d.tree("templates/styles"), partials,
                                       (logo, d.of(logo)) if logo else None)
        return self._shared[logo]

    def _clause(self, clause_id: str) -> str:
        return self.digests.tree(f"clauses/{clause_id}")

    def code_digest(self) -> str:
        """The modules that turn data into text and bytes (CODE), the Lua converter included, and
        the rules that decide whether an agreement may be built (CHECK_CODE)."""
        if not self._code_digest:
            names = [*CODE, *CHECK_CODE, *(f"{folder}/{n}" for folder in CHECK_CODE_FOLDERS
                                           for n in _listdir(PACKAGE / folder) if n.endswith(".py"))]
            self._code_digest = hash_json([(name, self.code.of(str(PACKAGE / name))) for name in names])
        return self._code_digest

    def up_to_date_formats(self, item: Item, check_outputs: bool = True) -> list[str]:
        """The requested formats whose recorded output is current (key and file)."""
        entry = self.cache.data["agreements"].get(item.rel)
        if self.force or not entry or entry.get("digest") != item.digest or entry.get("id") != item.id:
            return []
        key = self.key(item, entry["template"], entry["clauses"], entry.get("logo"))
        fresh = []
        for fmt in self.formats:
            output = entry.get("outputs", {}).get(fmt)
            if output and output.get("key") == key and (not check_outputs or self._output_intact(item, fmt, output)):
                fresh.append(fmt)
        return fresh

    def _output_intact(self, item: Item, fmt: str, output: dict) -> bool:
        """The output on disk is the one written: its stat signature as recorded (ctime included:
        an edit with size and mtime restored still changes it), else its SHA-256 as recorded."""
        path = self._output_file(item, fmt)
        try:
            st = os.lstat(path)
        except OSError:
            return False
        if not stat.S_ISREG(st.st_mode) or st.st_size != output.get("size"):
            return False
        if _output_signature(st) == output.get("stat"):
            return True
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
            with os.fdopen(fd, "rb") as handle:
                opened = os.fstat(handle.fileno())
                same = stat.S_ISREG(opened.st_mode) and (opened.st_dev, opened.st_ino) == (st.st_dev, st.st_ino) \
                    and hashlib.sha256(handle.read()).hexdigest() == output.get("sha256")
        except OSError:
            return False
        if same and _trusted_signature(st) is not None:
            output["stat"] = _trusted_signature(st)
            self.digests.changed = True
        return same

    def entry(self, item: Item, template: str, clauses: list[str], logo: str | None,
              written: dict[str, tuple[Path, str]]) -> dict:
        """What the cache records for an agreement just built: its dependencies and its outputs."""
        key = self.key(item, template, clauses, logo)
        previous = self.cache.data["agreements"].get(item.rel) or {}
        outputs = {}
        if previous.get("digest") == item.digest and previous.get("template") == template \
                and previous.get("clauses") == clauses and previous.get("logo") == logo:
            outputs = {f: o for f, o in previous.get("outputs", {}).items() if o.get("key") == key}
        for fmt, (path, sha) in written.items():
            st = os.lstat(path)
            outputs[fmt] = {"key": key, "size": st.st_size, "stat": _trusted_signature(st), "sha256": sha}
        return {"id": item.id, "digest": item.digest, "template": template, "clauses": clauses, "logo": logo,
                "outputs": outputs}

    def record_library(self, errors: list[Finding], logo: str | None) -> None:
        self.cache.data["library"] = {"digest": self.library_digest, "logo": logo,
                                      "errors": [f.__dict__ for f in errors]}

    def remember_files(self) -> None:
        """Keep the digests computed in this run (of files still present) for the next one."""
        self.cache.data["files"] = {**self.digests.recorded, **self.digests.seen}
        self.cache.data["code"] = {**self.code.seen}


def _output_signature(st: os.stat_result) -> list[int]:
    return [st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _trusted_signature(st: os.stat_result) -> list[int] | None:
    """The signature to record, None when the file changed too recently to trust the clock (a
    change within the same clock tick would keep it): the next build then hashes the file."""
    if max(st.st_mtime_ns, st.st_ctime_ns) > time.time_ns() - RACY_NS:
        return None
    return _output_signature(st)


def _listdir(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def plan_build(root: Path, paths: list[Path] | None = None, formats: Iterable[str] = ("pdf",),
               out: Path | None = None, force: bool = False, shard: tuple[int, int] | None = None) -> Plan:
    """Which agreements to build, and which of their formats are stale. Reads, never writes."""
    root = Path(root).resolve()
    out = Path(out) if out else root / "build"
    formats = parse_formats(formats)
    cache = Cache(out)
    cache.load()
    digests = Digests(root, cache.data["files"])
    code = Digests(root, cache.data.setdefault("code", {}))
    tools = tool_versions(cache)
    library = _library_digest(root, digests)
    plan = Plan(root, out, formats, [], cache, digests, code, tools, "", force)
    plan.library_digest = hash_json(library, plan.code_digest(), tools)
    for path in agreement_files(root, paths):
        ident = agreement_id(path)
        if not in_shard(ident, shard):
            continue
        rel = relative(path, root)
        item = Item(path, rel, ident, [], digests.of(rel))
        fresh = plan.up_to_date_formats(item)
        item.formats = [f for f in formats if f not in fresh]
        plan.items.append(item)
    return plan


def _library_digest(root: Path, digests: Digests) -> str:
    """Everything the library's own errors depend on: clausier.yml, templates, styles, clauses."""
    templates = [(n, digests.of(f"templates/{n}")) for n in _listdir(root / "templates")
                 if os.path.isfile(root / "templates" / n) or os.path.islink(root / "templates" / n)]
    clauses = [(n, digests.tree(f"clauses/{n}")) for n in _listdir(root / "clauses")]
    return hash_json(digests.of("clausier.yml"), templates, digests.tree("templates/styles"), clauses)


def report_up_to_date(plan: Plan) -> BuildReport:
    """The answer when nothing needs building: every agreement up to date, the library's known errors."""
    report = BuildReport(library_errors=plan.cached_library_errors())
    for item in plan.items:
        outputs = {fmt: str(plan.output_path(item, fmt)) for fmt in plan.formats}
        report.results.append(AgreementResult(path=item.rel, id=item.id, outputs=outputs, up_to_date=True))
    return report


def save_if_changed(plan: Plan) -> None:
    """A no-op run still remembers digests it had to recompute (if no build holds the cache)."""
    if not (plan.digests.changed or plan.code.changed):
        return
    with plan.cache.locked(blocking=False) as got:
        if got:
            plan.remember_files()
            try:
                plan.cache.save()
            except OSError:
                pass
