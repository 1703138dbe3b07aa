"""The agreement being previewed: the repository kept loaded, pandoc and Typst kept warm, and
after each change only the stale part of the library loaded again.

An edit to a clause loads that clause again; to a template, that template; to clausier.yml, a
style, the logo or the folders' contents (a clause or template added or removed), the whole
library (and, for a style or the logo, new renderers: they keep the copies they started with). Jinja's compiled code is
kept across reloads, keyed by each text's checksum, so only a changed text is compiled again.
The renderers are the build's own (fast/batch_renderer.py, or pipeline.py's with
CLAUSIER_SIMPLE=1): the page shows the bytes `clausier build --to html` writes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from .. import fast
from ..errors import ClausierError, Finding
from ..lint.gate import refuse_errors
from ..paths import TEMPLATE_SUFFIX
from ..pipeline import Renderers, SingleRenderers, render_agreement
from ..repository import CONFIG_FILE, Repository, _collect, _load_clause, _load_template, load_repository
from ..selection import agreement_id

STYLES = "templates/styles"


class KeptCode(BytecodeCache):
    """Jinja's compiled templates, in memory for the whole preview: (name, source checksum) → code."""

    def __init__(self) -> None:
        self.codes: dict[tuple[str, str], object] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        bucket.code = self.codes.get((bucket.key, bucket.checksum))

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.codes[(bucket.key, bucket.checksum)] = bucket.code


@dataclass
class Rendering:
    html: bytes | None  # None: the edit does not build (the findings say why)
    findings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _no_gate(*_args) -> None:
    """The PDF is rendered after the page, whose rendering already ran the checks."""


class Session:
    def __init__(self, root: Path, path: Path, pdf: bool = False) -> None:
        self.root, self.path, self.pdf = root, path, pdf
        self.rel = path.relative_to(root).as_posix()
        self.title = agreement_id(path)
        self.code = KeptCode()
        self.repo = self._load()
        self.renderers = self._renderers()
        self.template: str | None = None  # the agreement's, and its clauses, as last rendered
        self.clauses: set[str] = set()

    def _load(self) -> Repository:
        repo = load_repository(self.root)
        repo.precompiled = self.code
        return repo

    def _renderers(self) -> Renderers:
        if fast.disabled():
            return SingleRenderers()
        from ..fast.batch_renderer import BatchRenderer
        from ..fast.pandoc_server import LONG_RUN

        # A long run: the larger pandoc heap, and Typst fed in parts so that it lays out again
        # only what changed (see typst_workspace.py).
        renderers = BatchRenderer(abbreviations=None, expected=LONG_RUN, store=None)
        renderers.warm_up(self.root, ["html", "pdf"] if self.pdf else ["html"])
        return renderers

    def close(self) -> None:
        close = getattr(self.renderers, "close", None)
        if close is None:
            return
        close()  # (the pandoc server removes the history file its killed process leaves)

    # ------------------------------------------------------------ what changed

    def inputs(self) -> list[str]:
        """Every file (and folder) the agreement's outputs depend on, as incremental.py keys them:
        its file, clausier.yml, the templates and partials, the styles, the logo, its clauses."""
        found = [self.rel, CONFIG_FILE, "templates", STYLES, "clauses"]
        found += [f"templates/{p.name}" for p in (self.root / "templates").glob("*" + TEMPLATE_SUFFIX)]
        found += [f"{STYLES}/{p.name}" for p in (self.root / STYLES).glob("*")]
        logo = self.repo.config.branding.logo if self.repo.config else None
        if logo:
            found.append(logo)
        for clause in sorted(self.clauses):
            found.append(f"clauses/{clause}")
            found += [f"clauses/{clause}/{p.name}" for p in (self.root / "clauses" / clause).glob("*")]
        return found

    def reload(self, changed: set[str]) -> None:
        """Load again what `changed` (paths from inputs()) makes stale."""
        whole = {CONFIG_FILE, "templates", "clauses", STYLES}
        logo = self.repo.config.branding.logo if self.repo.config else None
        if any(path in whole or path == logo or path.startswith(STYLES + "/") for path in changed):
            self.repo = self._load()
            # Typst's workspace holds a copy of the styles and the logo, made when it started.
            if any(path == STYLES or path.startswith(STYLES + "/") or path == logo for path in changed):
                self.close()
                self.renderers = self._renderers()
            return
        clauses = {path.split("/")[1] for path in changed if path.startswith("clauses/")}
        templates = {path[len("templates/"):-len(TEMPLATE_SUFFIX)] for path in changed
                     if path.startswith("templates/") and path.endswith(TEMPLATE_SUFFIX)}
        if clauses or templates:
            self.repo = self._reloaded(clauses, templates)

    def _reloaded(self, clauses: set[str], templates: set[str]) -> Repository:
        """A new Repository (so assemble builds a new Jinja environment, fed from KeptCode) that
        shares every unchanged clause and template with the last one."""
        old = self.repo

        def stale(finding: Finding) -> bool:
            return any(finding.path == f"clauses/{c}" or finding.path.startswith(f"clauses/{c}/") for c in clauses) \
                or any(finding.path == f"templates/{t}{TEMPLATE_SUFFIX}" for t in templates)

        repo = replace(old, clauses={k: v for k, v in old.clauses.items() if k not in clauses},
                       templates={k: v for k, v in old.templates.items() if k not in templates},
                       findings=[f for f in old.findings if not stale(f)], broken=old.broken - clauses - templates)
        # The loader's own steps (repository.py), one clause or template at a time.
        for clause in sorted(clauses):
            folder = self.root / "clauses" / clause
            if folder.exists() or folder.is_symlink():
                _collect(repo, clause, lambda f=folder: _load_clause(repo, f))
        for name in sorted(templates):
            path = self.root / "templates" / (name + TEMPLATE_SUFFIX)
            if path.exists() or path.is_symlink():
                _collect(repo, name, lambda p=path, n=name: _load_template(repo, p, n))
        return repo

    # ------------------------------------------------------------ rendering

    def render(self) -> Rendering:
        """The page's HTML, or what stops it: the agreement's errors (the build's and `check`'s)
        and the library's own errors in the files it depends on, each `path:line:col`."""
        start = time.perf_counter()
        try:
            outcome = render_agreement(self.repo, self.path, ["html"], refuse_errors, renderers=self.renderers)
        except Exception as exc:  # noqa: BLE001 - a preview outlives a bug: it is shown, the next edit retried
            return Rendering(None, [f"{self.rel}: error: internal error: {type(exc).__name__}: {exc}"],
                             time.perf_counter() - start)
        if outcome.template:
            self.template, self.clauses = outcome.template, set(outcome.clauses)
        findings = list(dict.fromkeys([str(f) for f in self._library_errors()] + outcome.errors))
        html = outcome.outputs.get("html") if not outcome.errors else None
        return Rendering(html, findings, time.perf_counter() - start)

    def render_pdf(self) -> bytes | None:
        """The PDF of the agreement as it is now (None when it does not build)."""
        try:
            outcome = render_agreement(self.repo, self.path, ["pdf"], _no_gate, renderers=self.renderers)
        except (ClausierError, OSError):
            return None
        return outcome.outputs.get("pdf")

    def _library_errors(self) -> list[Finding]:
        """The loader's errors in clausier.yml, the styles, the agreement's template, the partials
        and its clauses (those of another agreement are not this page's business). Before the
        agreement first renders, its template and clauses are not known: every one's."""
        def ours(path: str) -> bool:
            if path == CONFIG_FILE or path.startswith(STYLES + "/"):
                return True
            if path.startswith("templates/"):
                name = path[len("templates/"):]
                return self.template is None or name.startswith("_") or name == f"{self.template}{TEMPLATE_SUFFIX}"
            parts = path.split("/")
            return len(parts) >= 2 and parts[0] == "clauses" and (self.template is None or parts[1] in self.clauses)

        return sorted(f for f in self.repo.errors() if ours(f.path))
