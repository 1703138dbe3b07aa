"""Build agreements: load → assemble → render → write, one agreement at a time.

A failing agreement never stops the others and never touches its previous outputs:
every format is rendered first, and files are replaced only when all succeeded.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import typst

from . import __version__
from .assemble import Assembled, assemble
from .errors import BuildError, ClausierError, ContentError, Finding
from .output import sha256, update_manifest, write_atomic
from .assemble import LANG_TAGS
from .render import FORMATS, RENDERERS, RenderSettings, check_renderable, pandoc_version, split_header
from .repository import AgreementFile, Repository, agreement_paths, load_agreement, load_repository, safe_asset_path


@dataclass
class AgreementResult:
    path: str
    id: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # format → output path
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class BuildReport:
    library_errors: list[Finding] = field(default_factory=list)
    results: list[AgreementResult] = field(default_factory=list)

    @property
    def failed(self) -> list[AgreementResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.library_errors


def parse_formats(text: str | Iterable[str]) -> list[str]:
    items = [t.strip() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    unknown = [t for t in items if t not in FORMATS]
    if unknown or not items:
        raise ClausierError(f"unknown output format {', '.join(unknown) or '(none)'}; valid formats: {', '.join(FORMATS)}")
    return list(dict.fromkeys(items))


def tool_versions() -> dict[str, str]:
    return {"clausier": __version__, "pandoc": pandoc_version(), "typst": typst.__version__}


def render_settings(repo: Repository, agreement: AgreementFile, assembled: Assembled) -> RenderSettings:
    model = agreement.model
    config = repo.config
    branding = config.branding if config else None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
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
    )


def render_outputs(repo: Repository, agreement: AgreementFile, formats: list[str]) -> tuple[Assembled, dict[str, bytes]]:
    """Every requested format in memory; nothing is written yet."""
    assembled = assemble(repo, agreement)
    check_renderable(assembled.markdown, agreement.path)
    settings = render_settings(repo, agreement, assembled)
    outputs: dict[str, bytes] = {}
    markdown_bytes = assembled.markdown.encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="clausier-") as scratch:
        source = Path(scratch) / f"{agreement.id}.md"
        source.write_text(split_header(assembled.markdown), encoding="utf-8")
        for fmt in formats:
            outputs[fmt] = markdown_bytes if fmt == "md" else RENDERERS[fmt](source, settings, agreement.path)
    return assembled, outputs


def manifest_entry(repo: Repository, agreement: AgreementFile, assembled: Assembled,
                   written: dict[str, Path], data: dict[str, bytes], out: Path) -> dict:
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
        "outputs": {fmt: {"path": path.relative_to(out).as_posix(), "sha256": sha256(data[fmt])}
                    for fmt, path in sorted(written.items())},
    }


def build(
    root: Path,
    paths: list[Path] | None = None,
    formats: list[str] = ("pdf",),
    out: Path | None = None,
    on_result: Callable[[AgreementResult], None] | None = None,
) -> BuildReport:
    """Build the given agreements (default: all) into `out` (default: build/)."""
    repo = load_repository(root)
    out = Path(out) if out else repo.root / "build"
    report = BuildReport(library_errors=repo.errors())
    entries = {}
    for path in agreement_paths(repo, paths):
        result = AgreementResult(path=repo.rel(path))
        try:
            if repo.config is None:
                raise ClausierError("clausier.yml has errors; fix it first")
            agreement = load_agreement(repo, path)
            result.id = agreement.id
            assembled, data = render_outputs(repo, agreement, list(formats))
            written = {}
            for fmt, content in data.items():
                target = out / agreement.id / f"{agreement.id}.{fmt}"
                write_atomic(target, content)
                written[fmt] = target
                result.outputs[fmt] = str(target)
            entries[agreement.id] = manifest_entry(repo, agreement, assembled, written, data, out)
        except ContentError as exc:
            result.errors = [str(f) for f in sorted(exc.findings, key=lambda f: (f.path, f.line, f.col))]
        except ClausierError as exc:
            result.errors = [str(exc)]
        report.results.append(result)
        if on_result:
            on_result(result)
    if entries:
        update_manifest(out, entries, tool_versions())
    return report
