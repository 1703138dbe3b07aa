"""Load a Clausier repository: organisation, clause library, templates, agreements.

Every file is read through `read_content_file` (safefile), which refuses symbolic links,
anything but a regular file, and anything outside the repository. Problems are collected,
never raised one by one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from .errors import ContentError, Finding, relpath
from .languages import agreement_language, config_findings, needs_findings, template_findings
from .logo import checked_logo
from .paths import TEMPLATE_SUFFIX, read_content_file
from .safefile import UnsafeFile, read_bytes
from .settings import CATEGORIES, Config
from .models import (
    LANGUAGES,
    Agreement,
    ClauseMeta,
    ClauseText,
    TemplateMeta,
    VariantText,
)
from .markdown import jinja_source, subclause_titles
from .parameters import coerce_parameter
from .parts import part_findings
from .validation import localized_findings, validate
from .yamlio import Document, LazyPositions, Positions, parse_yaml, split_front_matter

if TYPE_CHECKING:
    from jinja2 import BytecodeCache

CONFIG_FILE = "clausier.yml"


@dataclass(frozen=True)
class TextFile:
    """One language (or variant) of a clause: front matter and Jinja body."""

    path: str
    front: ClauseText | VariantText
    body: str
    body_line: int

    @property
    def jinja_source(self) -> str:
        return jinja_source(self.body, self.body_line)


@dataclass(frozen=True)
class Clause:
    id: str
    folder: str
    meta: ClauseMeta
    texts: dict[tuple[str, str], TextFile]  # (variant, language) → text; variant "standard"

    def variants(self) -> list[str]:
        return ["standard", *self.meta.variants]

    def text(self, variant: str, language: str) -> TextFile:
        return self.texts[(variant, language)]

    def title(self, language: str) -> str:
        return self.texts[("standard", language)].front.title or next((t.front.title for t in self.texts.values() if t.front.title), self.id)  # to translate: another's


@dataclass(frozen=True)
class Template:
    name: str  # e.g. "general-services" (or "_base" for a partial)
    path: str
    meta: Optional[TemplateMeta]  # None for partials (names starting with "_")
    source: str  # Jinja source, front matter blanked to keep line numbers

    @property
    def file_name(self) -> str:
        return self.name + TEMPLATE_SUFFIX


@dataclass(frozen=True)
class AgreementFile:
    id: str
    path: str
    model: Agreement
    body: str
    body_line: int
    positions: Positions | LazyPositions  # worked out when an error first needs a place


@dataclass
class Repository:
    root: Path
    config: Optional[Config] = None
    clauses: MutableMapping[str, Clause] = field(default_factory=dict)  # a dict, or _LazyClauses
    templates: dict[str, Template] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)  # clause ids and template names with errors
    # Templates the building process compiled ahead for this worker (see precompile.py), or None.
    precompiled: Optional[BytecodeCache] = field(default=None, repr=False, compare=False)

    def rel(self, path: Path) -> str:
        return relpath(path, self.root)

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def languages(self) -> tuple[str, ...]:
        """The library's languages (clausier.yml `languages:`); every clause has a text in each."""
        return tuple(self.config.languages) if self.config else LANGUAGES

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.config.categories) if self.config else tuple(CATEGORIES)

    def template_languages(self, template: "Template") -> tuple[str, ...]:
        """The languages an agreement on `template` may be written in."""
        return tuple((template.meta.languages if template.meta else None) or self.languages)


# ---------------------------------------------------------------- loading


def load_repository(root: Path, lazy_clauses: bool = False) -> Repository:
    """Load organisation, clauses and templates; problems land in `repo.findings`.

    `lazy_clauses`: each clause is loaded when first asked for (see _LazyClauses), so
    `repo.findings` holds only the asked-for clauses' problems: for a build's worker, whose
    building process reports the library's errors."""
    repo = Repository(root=Path(root).resolve())
    _load_config(repo)
    _check_styles(repo)
    folders = sorted(p for p in (repo.root / "clauses").glob("*") if p.is_dir() or p.is_symlink())
    if lazy_clauses:
        repo.clauses = _LazyClauses(repo, {folder.name: folder for folder in folders})
    else:
        for folder in folders:
            _collect(repo, folder.name, lambda f=folder: _load_clause(repo, f))
    for path in sorted((repo.root / "templates").glob("*" + TEMPLATE_SUFFIX)):
        name = path.name[: -len(TEMPLATE_SUFFIX)]
        _collect(repo, name, lambda p=path, n=name: _load_template(repo, p, n))
    return repo


class _LazyClauses(MutableMapping):
    """`repo.clauses`, each clause loaded (and checked, as load_repository does) when first asked
    for: an agreement uses a few dozen clauses of a library that may hold hundreds, and a lone
    rebuild's worker would otherwise spend most of its library load on clauses it never reads.
    Asking whether a clause is there loads it (a clause with errors is not there, and is in
    `repo.broken`); listing the clauses loads them all, in the order load_repository gives."""

    def __init__(self, repo: Repository, folders: dict[str, Path]) -> None:
        self._repo, self._folders, self._loaded = repo, folders, {}

    def _load(self, clause_id: str) -> None:
        folder = self._folders.pop(clause_id, None)
        if folder is not None:
            _collect(self._repo, clause_id, lambda: _load_clause(self._repo, folder))

    def __getitem__(self, clause_id: str) -> Clause:
        self._load(clause_id)
        return self._loaded[clause_id]

    def __setitem__(self, clause_id: str, clause: Clause) -> None:
        self._loaded[clause_id] = clause

    def __delitem__(self, clause_id: str) -> None:
        del self._loaded[clause_id]

    def __iter__(self) -> Iterator[str]:
        for clause_id in sorted(self._folders):
            self._load(clause_id)
        return iter(sorted(self._loaded))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _collect(repo: Repository, name: str, load) -> None:
    try:
        findings = load()
    except ContentError as exc:
        findings = exc.findings
    repo.findings.extend(findings)
    if any(f.level == "error" for f in findings):
        repo.broken.add(name)


def _read_document(repo: Repository, path: Path) -> tuple[Document, list[Finding]]:
    text, findings = read_content_file(repo.root, path)
    if findings:
        raise ContentError(findings)
    return parse_yaml(text, repo.rel(path)), []


def _load_config(repo: Repository) -> None:
    path = repo.root / CONFIG_FILE
    shown = CONFIG_FILE
    if not path.exists() and not path.is_symlink():
        repo.findings.append(Finding(shown, message="clausier.yml not found: the repository needs its organisation file"))
        return
    try:
        document, _ = _read_document(repo, path)
    except ContentError as exc:
        repo.findings.extend(exc.findings)
        return
    config, findings = validate(Config, document, shown)
    repo.findings.extend(findings)
    if config:
        repo.findings.extend(config_findings(config, document, shown))
    if config and config.branding.logo:
        try:
            checked_logo(repo.root, config.branding.logo, locate=False)
        except ContentError as exc:
            line, col = document.positions.of(("branding", "logo"))
            repo.findings.extend(
                Finding(f.path, line, col, f.level, f.message, f.field, f.rule) for f in exc.findings
            )
            return
    repo.config = config


STYLE_FILES = ("style.typ", "reference.docx", "contract.css.html", "redline.css.html")


def _check_styles(repo: Repository) -> None:
    """The style files a build or a diff reads, as safefile will read them (a link, a FIFO, a
    device or too large a file is refused): so that `check` says what `build` would refuse."""
    folder = repo.root / "templates" / "styles"
    for name in STYLE_FILES:
        path = folder / name
        if path.exists() or path.is_symlink():
            try:
                read_bytes(repo.root, path)
            except UnsafeFile as exc:
                repo.findings.extend(exc.findings)


def _load_clause(repo: Repository, folder: Path) -> list[Finding]:
    clause_id = folder.name
    meta_path = folder / "clause.yml"
    if folder.is_symlink():
        return [Finding(repo.rel(folder), message="clause folder is a symbolic link; use a real folder", rule="repository")]
    if not meta_path.exists():
        return [Finding(repo.rel(folder), message="clause folder has no clause.yml", rule="schema")]
    document, _ = _read_document(repo, meta_path)
    meta, findings = validate(ClauseMeta, document, repo.rel(meta_path))
    if meta is None:
        return findings
    findings += localized_findings(meta, document, repo.rel(meta_path), repo.languages)
    if meta.category not in repo.categories:
        line, col = document.positions.of(("category",))
        findings.append(Finding(repo.rel(meta_path), line, col, field="category", message=(
            f"unknown category {meta.category!r}; the library's categories (clausier.yml): "
            f"{', '.join(repo.categories)}")))
    for name, parameter in meta.parameters.items():
        if parameter.default is not None:
            try:
                coerce_parameter(parameter, parameter.default)
            except ValueError as exc:
                line, col = document.positions.of(("parameters", name, "default"))
                findings.append(Finding(repo.rel(meta_path), line, col, message=str(exc),
                                        field=f"parameters.{name}.default"))
    texts: dict[tuple[str, str], TextFile] = {}
    for variant in ["standard", *meta.variants]:
        for language in repo.languages:
            name = f"{language}.md" if variant == "standard" else f"{variant}.{language}.md"
            path = folder / name
            if not path.exists() and not path.is_symlink():
                findings.append(Finding(repo.rel(folder), message=f"missing {name}: every variant needs a text in "
                                        f"each of the library's languages ({', '.join(repo.languages)})"))
                continue
            try:
                texts[(variant, language)] = _load_text(repo, path, ClauseText if variant == "standard" else VariantText)
            except ContentError as exc:
                findings.extend(exc.findings)
    findings.extend(parity_findings(meta, texts, repo.languages))
    languages = repo.languages
    known = {f"{lang}.md" for lang in languages} | {f"{v}.{lang}.md" for v in meta.variants for lang in languages}
    for stray in sorted(folder.glob("*.md")):
        if stray.name not in known:
            findings.append(Finding(repo.rel(stray), message=f"{stray.name} is not a declared variant; "
                                    f"declare it under variants in clause.yml or remove it"))
    if not any(f.level == "error" for f in findings):
        repo.clauses[clause_id] = Clause(clause_id, repo.rel(folder), meta, texts)
    return findings


_PARAM_USE = re.compile(r"\bparams\.([A-Za-z_][A-Za-z0-9_]*)")


def parity_findings(meta: ClauseMeta, texts: dict[tuple[str, str], TextFile],
                    languages: tuple[str, ...] = LANGUAGES) -> list[Finding]:
    """The languages say the same thing: same sub-clauses, and only declared parameters."""
    findings = []
    for variant in ["standard", *meta.variants]:
        pair = [texts.get((variant, language)) for language in languages]
        if None in pair:
            continue
        counts = [len(subclause_titles(text.body)) for text in pair]
        if len(set(counts)) > 1 and not any(text.front.translate for text in pair):  # a text to translate has none
            detail = ", ".join(f"{lang}: {n}" for lang, n in zip(languages, counts))
            names = "French and English" if tuple(languages) == ("fr", "en") else "the languages"
            findings.append(Finding(pair[-1].path, pair[-1].body_line, 1, rule="parity",
                                    message=f"{names} have different numbers of sub-clauses ({detail})"))
        for text in pair:
            for lineno, line in enumerate(text.body.split("\n"), start=text.body_line):
                for match in _PARAM_USE.finditer(line):
                    if match.group(1) not in meta.parameters:
                        findings.append(Finding(text.path, lineno, match.start() + 1, rule="parity",
                                                message=f"params.{match.group(1)} is not declared in clause.yml; "
                                                f"declared: {', '.join(meta.parameters) or 'none'}"))
    return findings


def _load_text(repo: Repository, path: Path, model) -> TextFile:
    text, findings = read_content_file(repo.root, path)
    if findings:
        raise ContentError(findings)
    shown = repo.rel(path)
    parsed = split_front_matter(text, shown)
    front, findings = validate(model, parsed.meta, shown)
    if findings:
        raise ContentError(findings)
    return TextFile(shown, front, parsed.body, parsed.body_line)


def _load_template(repo: Repository, path: Path, name: str) -> list[Finding]:
    text, findings = read_content_file(repo.root, path)
    if findings:
        return findings
    shown = repo.rel(path)
    if name.startswith("_"):
        repo.templates[name] = Template(name, shown, None, text)
        return []
    parsed = split_front_matter(text, shown)
    meta, findings = validate(TemplateMeta, parsed.meta, shown)
    if meta is None:
        return findings
    findings += template_findings(repo, meta, parsed.meta, shown) + part_findings(repo.clauses, meta, parsed.meta, shown)
    repo.templates[name] = Template(name, shown, meta, jinja_source(parsed.body, parsed.body_line))
    return findings


def load_agreement(repo: Repository, path: Path) -> AgreementFile:
    """One agreement, validated; raises ContentError with every finding."""
    shown = repo.rel(path)
    agreement_id = path.name[:-3] if path.name.endswith(".md") else path.stem
    problem = agreement_id_problem(agreement_id)
    if problem:
        raise ContentError(Finding(shown, 0, 0, message=problem, rule="repository"))
    text, findings = read_content_file(repo.root, path)
    if findings:
        raise ContentError(findings)
    parsed = split_front_matter(text, shown)
    model, findings = validate(Agreement, parsed.meta, shown)
    if model is None:
        raise ContentError(findings)
    if model.id is not None and model.id != agreement_id:
        line, col = parsed.meta.positions.of(("id",))
        raise ContentError(Finding(shown, line, col, message=f"id {model.id!r} differs from the file name "
                                   f"{agreement_id!r}; rename one of them", field="id"))
    findings = agreement_language(repo, model, parsed.meta, shown) + needs_findings(repo, model, parsed.meta, shown)
    if findings:
        raise ContentError(findings)
    return AgreementFile(agreement_id, shown, model, parsed.body, parsed.body_line, LazyPositions(parsed.meta))


# Names the build folder keeps for itself (build/<id>/ holds an agreement's outputs).
RESERVED_IDS = frozenset({"manifest.json", "diff", "site", "build", "send"})
MAX_ID_BYTES = 100  # outputs are named <id>.<format> and written through temporaries beside them


def agreement_id_problem(agreement_id: str) -> str | None:
    """Why a file name cannot be an agreement's id (it names the agreement's output folder), or None."""
    if agreement_id in ("", ".", ".."):
        return f"{agreement_id!r} cannot be an agreement id: name the file <id>.md with a real id"
    if agreement_id.startswith((".", "_")):
        return f"agreement id {agreement_id!r} starts with {agreement_id[0]!r}, which the build folder keeps for itself"
    if agreement_id.lower() in RESERVED_IDS:
        return f"agreement id {agreement_id!r} is a name the build folder keeps for itself; rename the file"
    if len(agreement_id.encode("utf-8")) > MAX_ID_BYTES:
        return f"agreement id is {len(agreement_id.encode('utf-8'))} bytes long; the limit is {MAX_ID_BYTES}"
    if any(c in "/\\" or unicodedata.category(c) in ("Cc", "Cf") for c in agreement_id):
        return f"agreement id {agreement_id!r} holds a control character or a slash; rename the file"
    return None


def agreement_paths(repo: Repository, paths: list[Path] | None = None) -> list[Path]:
    """The agreements to build: the given files and folders, or all of agreements/."""
    # One selection for everyone; it lives in the light module the no-op build path imports.
    from .selection import agreement_files

    return agreement_files(repo.root, paths)
