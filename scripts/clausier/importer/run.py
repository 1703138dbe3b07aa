"""`clausier import FILE --as ID`: read, find the structure, link the references, plan the files,
then write them all or none, and the report."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from ..models import LANGUAGES
from ..output import write_atomic
from ..planning import SPECIAL_CONDITIONS
from .categories import load_category_map
from .commit import check_inside, commit
from .guards import ImportRefused, read_source
from .frame import LIBRARY_SIGNATURES
from .inlines import Notes
from .parts import link_parts, open_parts, split_annexes
from .reading import meta_text, read_tree
from .references import link_references
from .report import report
from .structure import find_structure
from .units import read_units
from .writing import Planned, _unique, assign_ids, plan_files, slug

TEMPLATE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# Words frequent in one language and rare in the other: a guess when neither --language nor the
# file says.
_COMMON = {"en": {"the", "and", "of", "to", "shall", "any", "or", "this", "is", "with"},
           "fr": {"le", "la", "les", "et", "des", "du", "au", "est", "une", "dans"}}


@dataclass(frozen=True)
class Imported:
    written: list[str]
    report: str
    report_path: str


def import_contract(root: Path, file: Path, template_id: str, language: str | None = None,
                    force: bool = False, today: dt.date | None = None, category_map: Path | None = None) -> Imported:
    """Import `file` into the repository at `root` as template `template_id`; ImportRefused (or a
    ContentError about the repository) and nothing written when it cannot."""
    from ..repository import load_repository

    root = Path(root).resolve()
    if not TEMPLATE_ID.match(template_id or ""):
        raise ImportRefused(template_id, "--as must be an identifier: lower-case letters, digits and dashes, "
                            "starting with a letter or digit (e.g. mutual-nda), at most 64 characters")
    if not (root / "clausier.yml").is_file():
        raise ImportRefused(str(root), "not a Clausier repository (no clausier.yml): run it inside one, or "
                            "`clausier init` a new one")
    repo = load_repository(root, lazy_clauses=True)
    languages = repo.languages
    categories = repo.categories
    template_path = f"templates/{template_id}.md.j2"
    check_inside(root, [template_path, f"agreements/{template_id}-example.md", "clauses/x/clause.yml"])
    existing = root / template_path
    if existing.exists() and not force:
        raise ImportRefused(template_path, f"already exists: importing twice into {template_id!r} needs --force "
                            "(which replaces the template and the clauses it lists)")
    if language is not None and language not in languages:
        raise ImportRefused(language, f"--language {language}: not one of the library's languages "
                            f"({', '.join(languages)}, clausier.yml)")
    mapping = load_category_map(category_map, categories) if category_map is not None else None
    source = read_source(file)
    notes = Notes()
    tree = read_tree(source, notes)
    units = read_units(tree, notes)
    if notes.images:
        places = "; ".join(f"paragraph {index}: {what}" for index, what in notes.images[:5])
        raise ImportRefused(source.shown, f"{len(notes.images)} image(s) are not imported ({places}); remove them "
                            "(a logo belongs in clausier.yml's branding) and import again")
    title = meta_text(tree, "title")
    if not title and units and units[0].kind == "heading":
        title = units.pop(0).text
    title = title or file.stem.replace("-", " ").replace("_", " ").strip() or template_id
    _unused_metadata(tree, notes)
    language, guessed = _language(language, meta_text(tree, "lang"), units, languages, repo)
    units, annexes = split_annexes(units)  # the schedules after the signatures (parts.py)
    document = find_structure(units, title, notes)
    today = today or dt.date.today()
    own = _own_clauses(root, existing) if force and existing.exists() else set()
    signatures = (root / "clauses" / LIBRARY_SIGNATURES / "clause.yml").is_file() and LIBRARY_SIGNATURES not in own
    open_parts(document, annexes, language, notes, today, signatures)  # the cover, the annexes, the key terms
    planned = Planned()
    taken = set(repo.clauses.keys()) if hasattr(repo.clauses, "keys") else set()
    taken |= {p.name for p in (root / "clauses").glob("*")} if (root / "clauses").is_dir() else set()
    taken.add(SPECIAL_CONDITIONS)  # the id that places an agreement's own text
    assign_ids(document, template_id, taken, own, planned)
    used = {article.id for article in document.articles}
    link_parts(document, lambda title, fallback: _unique(slug(title, fallback), template_id, taken, own, used, planned),
               language)
    found = link_references(document, language)
    numbering = {"word": document.style.word, "heading": document.style.heading,
                 "sub_title": document.style.sub_title, "items": document.style.items,
                 "refer": found.refer}
    plan_files(document, template_id=template_id, language=language, languages=languages,
               categories=categories, shown=file.name, numbering=numbering, taken=taken, own=own,
               planned=planned, today=today, category_map=mapping)
    if mapping is not None:  # an entry naming no section is a typo: refused at its line
        mapping.check_used([(title, cid) for cid, title, _, _ in planned.clauses])
    if not force:
        clashes = [path for path in planned.files if (root / path).exists()]
        if clashes:
            raise ImportRefused(clashes[0], "already exists; nothing was written (use --force to replace)")
    written = commit(root, planned.files)
    text = report(shown=file.name, template_id=template_id, language=language, language_guessed=guessed,
                  document=document, planned=planned, found=found, notes=notes, numbering=numbering)
    report_path = root / "build" / "import" / f"{template_id}.md"
    write_atomic(report_path, text.encode("utf-8"))
    return Imported(written, text, f"build/import/{template_id}.md")


def _own_clauses(root: Path, template: Path) -> set[str]:
    """The clause ids a previous import of this template listed and wrote (re-imported in place
    with --force); not a library clause it only placed (its `signatures`)."""
    text = template.read_text(encoding="utf-8", errors="replace")
    head = text.split("\n---", 1)[0]
    listed = set(re.findall(r"^\s*-\s*([a-z0-9][a-z0-9-]*)\s*$", head, re.M)) | {
        cid for listed in re.findall(r"^(?:preamble|closing): \[([^\]]*)\]", head, re.M)
        for cid in (c.strip() for c in listed.split(",")) if cid}
    return {cid for cid in listed if _imported(root / "clauses" / cid / "clause.yml")}


def _imported(path: Path) -> bool:
    try:
        return path.read_text(encoding="utf-8", errors="replace").startswith("# Imported from ")
    except OSError:
        return False


def _unused_metadata(tree: dict, notes: Notes) -> None:
    """The document's subtitle, author, date or abstract (Word's paragraph styles pandoc moves to
    the metadata) are not imported: each reported, before the first paragraph."""
    for key in ("subtitle", "author", "date", "abstract"):
        value = meta_text(tree, key)
        if value.strip():
            notes.unmapped.append((0, f"the document's {key} {' '.join(value.split())[:60]!r} is not imported "
                                   "(put it in a clause or the template's description)"))


def _language(given: str | None, meta: str, units, languages: tuple[str, ...], repo) -> tuple[str, bool]:
    if given:
        return given, False
    code = meta.split("-")[0].lower() if meta else ""
    if code in languages:
        return code, False
    words = " ".join(u.text for u in units[:200]).lower().split()
    scores = {lang: sum(1 for w in words if w in _COMMON.get(lang, ())) for lang in languages}
    best = max(scores, key=scores.get) if scores else None
    if best and scores[best] > 0:
        return best, True
    default = repo.config.language if repo.config else (languages[0] if languages else LANGUAGES[0])
    return default, True
