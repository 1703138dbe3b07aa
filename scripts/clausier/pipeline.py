"""One agreement, from its file to the bytes of each format: load → validate → assemble → render.

This is the whole pipeline; read it first. Everything that renders goes through here: the
build, one agreement after another (`clausier build --simple`) or many at once in worker
processes (fast/parallel.py), the handbook's specimens, sign-off and the redline. The fast
route only passes other `renderers` (fast/batch_renderer.py: one pandoc process and one reused
Typst compiler for many documents); the stages and their order stay here, and both kinds of
renderers give the same bytes (tests compare them).

    render_agreement(repo, path, formats)          the build's unit of work, never writes
      load_agreement                                front matter → models (repository.py)
      signed? the library as of its commit          signoff.py
      render_outputs
        assemble                                    template + clauses → Markdown (assemble.py)
        check_renderable                            what pandoc must not see (render.py)
        render_settings                             date, brand, language of the outputs
        renderers.convert                           Markdown → pdf, docx, html bytes
      refuse                                        `check`'s rules on the agreement (lint/gate.py)
      Outcome                                       bytes, their sha256, the manifest's record

The heavy modules (pydantic models, Jinja, Babel, Typst) are imported where they are used: a
build that has nothing to render never pays for them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

from .errors import ClausierError, ContentError
from .paths import safe_asset_path
from .render import RENDERERS, RenderSettings, check_renderable, split_header

if TYPE_CHECKING:
    from .assemble import Assembled
    from .repository import AgreementFile, Repository
    from .signoff import FrozenLibraries


class Renderers(Protocol):
    def convert(self, agreement: AgreementFile, markdown: str, settings: RenderSettings,
                formats: list[str]) -> dict[str, bytes]:
        """`markdown` (the body, no YAML header) to the bytes of each format but md."""


class SingleRenderers:
    """One pandoc process per format and a fresh Typst compile per document (render.py)."""

    def convert(self, agreement: AgreementFile, markdown: str, settings: RenderSettings,
                formats: list[str]) -> dict[str, bytes]:
        with tempfile.TemporaryDirectory(prefix="clausier-") as scratch:
            source = Path(scratch) / f"{agreement.id}.md"
            source.write_text(markdown, encoding="utf-8")
            return {fmt: RENDERERS[fmt](source, settings, agreement.path) for fmt in formats}


def render_outputs(repo: Repository, agreement: AgreementFile, formats: list[str],
                   renderers: Renderers | None = None) -> tuple[Assembled, dict[str, bytes]]:
    """Every requested format in memory (in the order asked); nothing is written."""
    from .assemble import assemble

    assembled = assemble(repo, agreement)
    check_renderable(assembled.markdown, agreement.path, repo, assembled.plan)
    settings = render_settings(repo, agreement, assembled)
    through_pandoc = [fmt for fmt in formats if fmt != "md"]
    converted = (renderers or SingleRenderers()).convert(agreement, split_header(assembled.markdown), settings,
                                                         through_pandoc) if through_pandoc else {}
    markdown = assembled.markdown.encode("utf-8")
    return assembled, {fmt: markdown if fmt == "md" else converted[fmt] for fmt in formats}


def render_settings(repo: Repository, agreement: AgreementFile, assembled: Assembled) -> RenderSettings:
    """What the outputs show besides the text: the date, the brand, the language, the status."""
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
    meta = assembled.plan.template.meta
    provider = model.provider or (config.organisation if config else None)
    from .frame import header_left  # the template's running header and preamble (frame.py)
    from .negotiate.identity import agreement_inputs

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
        header_left=header_left(meta, assembled.title, provider.name if provider else brand, model.client.name),
        preamble="" if meta.preamble_style == "block" else meta.preamble_style,
        agreement=agreement.path,  # the DOCX's custom properties (negotiate/identity.py)
        text_sha256=hashlib.sha256(assembled.markdown.encode("utf-8")).hexdigest(),
        commit=model.signed.commit if model.status == "signed" and model.signed is not None else "",
        inputs=agreement_inputs(repo, agreement, assembled.plan),
    )


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


# ---------------------------------------------------------------- the build's unit of work


@dataclass
class Outcome:
    """One agreement rendered, or its errors (sent back by a worker: small and picklable)."""

    id: str | None = None  # None when the file could not be read as an agreement
    errors: list[str] = field(default_factory=list)
    outputs: dict[str, bytes] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    manifest: dict = field(default_factory=dict)  # manifest_entry's
    template: str = ""
    clauses: list[str] = field(default_factory=list)  # in the articles' order
    notes: dict = field(default_factory=dict)  # what the route adds to the report (fast/parallel.py)


Refuse = Callable[["Repository", "AgreementFile", Path, "Assembled | None"], None]


class SignedLibraries:
    """The library as of each signed agreement's commit, opened at the first one (it needs git)."""

    def __init__(self) -> None:
        self.libraries: FrozenLibraries | None = None

    def frozen(self, repo: Repository, agreement: AgreementFile, path: Path) -> tuple[Repository, AgreementFile]:
        from .signoff import FrozenLibraries, frozen_inputs

        if self.libraries is None:
            self.libraries = FrozenLibraries(repo.root)
        frozen = frozen_inputs(self.libraries, agreement, path)
        return frozen if frozen is not None else (repo, agreement)

    def close(self) -> None:
        if self.libraries is not None:
            self.libraries.close()


def render_agreement(repo: Repository, path: Path, formats: list[str], refuse: Refuse, *,
                     renderers: Renderers | None = None, signed: SignedLibraries | None = None) -> Outcome:
    """The agreement at `path` to the bytes of each format, or its errors. `refuse` is the build's
    gate (lint/gate.refuse_errors: what `check` finds, `build` refuses), passed in so that the
    checks, which render signed agreements through this module, sit above it."""
    outcome = Outcome()
    own = signed is None  # (a signed agreement's libraries, opened here, closed here)
    signed = signed or SignedLibraries()
    try:
        if repo.config is None:
            raise ClausierError("clausier.yml has errors; fix it first")
        from .repository import load_agreement

        agreement = load_agreement(repo, path)
        outcome.id = agreement.id
        checked = repo, agreement  # what `check` checks (a signed one is built from its frozen library)
        if agreement.model.status == "signed":  # its text comes from the library it was signed with
            repo, agreement = signed.frozen(repo, agreement, path)
        assembled, outcome.outputs = render_outputs(repo, agreement, formats, renderers)
        refuse(*checked, path, assembled if repo is checked[0] else None)
    except ClausierError as exc:
        outcome.errors = error_lines(exc)
        outcome.outputs = {}
        return outcome
    finally:
        if own:
            signed.close()
    outcome.sha256 = {fmt: hashlib.sha256(data).hexdigest() for fmt, data in outcome.outputs.items()}
    outcome.manifest = manifest_entry(repo, agreement, assembled)
    outcome.template = agreement.model.template
    outcome.clauses = list(dict.fromkeys(a.id for a in assembled.plan.articles if a.id in repo.clauses))
    return outcome


def error_lines(exc: ClausierError) -> list[str]:
    """An error as the build reports it: each finding on its line, in file order."""
    if isinstance(exc, ContentError):
        return [str(f) for f in sorted(exc.findings, key=lambda f: (f.path, f.line, f.col))]
    return [str(exc)]
