"""What a library and its templates declare, and the checks that agreements keep to it, each
at its line: the library's languages and categories (clausier.yml `languages:`, `categories:`)
and the agreement sections a template needs (`needs:`, by default `[fees]`).

A library declares its languages (default: fr and en); every clause has a text in each, a
template may be written in fewer (`languages:` in its front matter), and an agreement is
written in one of its template's languages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional, Protocol

from .errors import ContentError, Finding
from .models import LANGUAGES, Agreement, TemplateMeta
from .settings import Config
from .validation import localized_findings
from .yamlio import Document


class Repository(Protocol):
    """What these checks read of repository.Repository (which imports this module)."""

    config: Optional[Config]
    templates: Mapping[str, Any]
    clauses: Mapping[str, Any]

    @property
    def languages(self) -> tuple[str, ...]: ...

    @property
    def categories(self) -> tuple[str, ...]: ...

    def template_languages(self, template: Any) -> tuple[str, ...]: ...


def config_findings(config: Config, document: Document, shown: str) -> list[Finding]:
    """What the model cannot say at its line: a language Babel does not know, a language or a
    category listed twice, a default `language` the library does not declare."""
    from babel import Locale, UnknownLocaleError

    findings = []

    def problem(loc: tuple, message: str) -> None:
        line, col = document.positions.of(loc)
        findings.append(Finding(shown, line, col, message=message, field=".".join(map(str, loc))))

    for index, language in enumerate(config.languages):
        try:
            Locale.parse(language.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            problem(("languages", index), f"unknown language {language!r}: write a language code Babel knows, "
                    "e.g. fr, en, de, es, it, nl, pt")
        if language in config.languages[:index]:
            problem(("languages", index), f"language {language!r} is listed twice")
    for index, category in enumerate(config.categories):
        if category in config.categories[:index]:
            problem(("categories", index), f"category {category!r} is listed twice")
    if config.language not in config.languages:
        loc = ("language",) if "language" in document.data else ("languages",)
        problem(loc, f"language {config.language!r} is not one of the library's languages: "
                f"{', '.join(config.languages)}")
    return findings


def template_findings(repo: Repository, meta: TemplateMeta, document: Document, shown: str) -> list[Finding]:
    """Languages and categories a template names are the library's; its titles are in its languages."""
    findings = []
    for index, language in enumerate(meta.languages or ()):
        if language not in repo.languages:
            line, col = document.positions.of(("languages", index))
            findings.append(Finding(shown, line, col, field=f"languages.{index}", message=(
                f"language {language!r} is not one of the library's languages (clausier.yml): "
                f"{', '.join(repo.languages)}")))
    for index, category in enumerate(meta.requires):
        if category not in repo.categories:
            line, col = document.positions.of(("requires", index))
            findings.append(Finding(shown, line, col, field=f"requires.{index}", message=(
                f"unknown category {category!r}; the library's categories: {', '.join(repo.categories)}")))
    languages = [lang for lang in (meta.languages or repo.languages) if lang in repo.languages]
    return findings + localized_findings(meta, document, shown, languages or repo.languages)


def needs_findings(repo: Repository, model: Agreement, document: Document, shown: str) -> list[Finding]:
    """The sections the agreement's template needs are filled in (a missing `fees:` where fees live
    in statements of work is no error, when the template does not need it)."""
    template = repo.templates.get(model.template)
    if template is None or template.meta is None or not isinstance(document.data, dict):
        return []
    findings = []
    for section in template.meta.needs:
        if document.data.get(section) in (None, [], {}):
            line, col = document.positions.start
            findings.append(Finding(shown, line, col, field=section, message=(
                f"missing required field '{section}': template {model.template!r} needs it "
                f"(`needs:` in {template.path})")))
    return findings


def agreement_language(repo: Repository, model: Agreement, document: Document, shown: str) -> list[Finding]:
    """An agreement is written in one of its template's languages, which are the library's."""
    language = model.language or (repo.config.language if repo.config else LANGUAGES[0])
    template = repo.templates.get(model.template)
    available = repo.template_languages(template) if template and template.meta else repo.languages
    if language in available:
        return _words_findings(repo, model, document, shown, language) + _translate_findings(
            repo, model, document, shown, language) if template and template.meta else []
    whose = f"template {model.template!r}" if template and template.meta and template.meta.languages else "the library"
    if model.language is None:  # the default language of clausier.yml
        line, col = document.positions.of(("template",))
        return [Finding(shown, line, col, field="template", message=(
            f"{whose} has no {language!r} text (clausier.yml's default language); set `language:` to one of: "
            f"{', '.join(available)}"))]
    line, col = document.positions.of(("language",))
    return [Finding(shown, line, col, field="language", message=(
        f"{whose} has no {language!r} text; languages available: {', '.join(available)}"))]


_WORDS_FILTER = re.compile(r"\|\s*words\b")


def _words_findings(repo: Repository, model: Agreement, document: Document, shown: str,
                    language: str) -> list[Finding]:
    """Amounts are spelled in French and English only (words.py): an agreement in another language
    whose template or clauses spell an amount is refused here, at its own line, not mid-render."""
    from .parts import annex_articles, cover_clauses
    from .words import LANGUAGES as SPELLED

    if language in SPELLED:
        return []
    template = repo.templates[model.template]
    sources = [(template.path, template.source)]
    meta = template.meta
    placed = [*cover_clauses(meta), *meta.preamble, *(slot.id for slot in meta.slots()), *meta.closing,
              *(c for c, _ in annex_articles(meta)), *model.clauses.add]  # every part, and what the agreement adds
    for clause_id in dict.fromkeys(placed):
        clause = repo.clauses.get(clause_id)
        for (_variant, lang), text in (clause.texts.items() if clause else ()):
            if lang == language:
                sources.append((text.path, text.body))
    for path, source in sources:
        if _WORDS_FILTER.search(source):
            loc = ("language",) if model.language else ("template",)
            line, col = document.positions.of(loc)
            return [Finding(shown, line, col, field=loc[0], message=(
                f"{path} spells an amount in words (|words), which Clausier writes in {', '.join(SPELLED)} only, "
                f"not in {language!r}: write this agreement in one of those or remove |words from that text"))]
    return []


def _translate_findings(repo: Repository, model: Agreement, document: Document, shown: str,
                        language: str) -> list[Finding]:
    """A clause whose text in the agreement's language is marked `translate: true` (not written
    yet, `clausier import`) is refused at the agreement's `language:` line, naming the clause."""
    from .parts import annex_articles, cover_clauses

    meta = repo.templates[model.template].meta
    placed = [*cover_clauses(meta), *meta.preamble, *(s.id for s in meta.slots() if s.id not in model.clauses.omit),
              *meta.closing, *(c for c, _ in annex_articles(meta)), *model.clauses.add]
    findings = []
    for clause_id in dict.fromkeys(placed):
        clause = repo.clauses.get(clause_id)
        text = clause.texts.get((model.clauses.variants.get(clause_id, "standard"), language)) if clause else None
        if text is not None and text.front.translate:
            written = [lang for (variant, lang), other in clause.texts.items()
                       if variant == "standard" and not other.front.translate]
            loc = ("language",) if model.language else ("template",)
            line, col = document.positions.of(loc)
            findings.append(Finding(shown, line, col, field=loc[0], message=(
                f"clause {clause_id!r} is not written in {language!r} yet ({text.path} is marked `translate: true`): "
                f"translate it, or write this agreement in {' or '.join(written) or 'another language'}")))
    return findings


def library_languages(root: Path) -> tuple[str, ...]:
    """The languages clausier.yml declares, without loading the library (`clausier schema`, `new`);
    the default when the file or its `languages:` is missing or wrong (`check` says why)."""
    from .safefile import UnsafeFile, read_text
    from .yamlio import parse_yaml

    try:
        data = parse_yaml(read_text(root, root / "clausier.yml"), "clausier.yml").data
    except (OSError, UnsafeFile, ContentError):
        return LANGUAGES
    declared = data.get("languages") if isinstance(data, dict) else None
    if isinstance(declared, list) and declared and all(isinstance(x, str) for x in declared):
        return tuple(declared)
    return LANGUAGES
