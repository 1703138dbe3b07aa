"""A clause's category: from `--category-map FILE.yml` when it names the section (by its title or
its clause id), else guessed from the title with a few keywords per category and language (the
first category whose keyword starts a word of the title wins; none: the library's general
category). Every choice is in the report, for a lawyer to check.

    # --category-map: section title or clause id → one of clausier.yml's categories
    Confidentiality: confidentiality
    Return or Destruction of Confidential Information: termination
    governing-law: law
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ContentError
from .guards import ImportRefused

# category → keywords (matched at the start of a word of the title, accents and case ignored)
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "parties": {"en": ("parties", "between"), "fr": ("parties", "entre les")},
    "confidentiality": {"en": ("confidential", "non-disclosure", "disclosure"),
                        "fr": ("confidentialite", "secret")},
    "data": {"en": ("personal data", "data protection", "privacy"), "fr": ("donnees personnelles", "rgpd")},
    "termination": {"en": ("terminat", "expiry", "return or destruction"), "fr": ("resiliation", "fin du contrat",
                                                                              "expiration")},
    "force-majeure": {"en": ("force majeure",), "fr": ("force majeure",)},
    "non-solicitation": {"en": ("non-solicitation", "solicitation"), "fr": ("non-sollicitation", "sollicitation")},
    "subcontracting": {"en": ("subcontract",), "fr": ("sous-traitance",)},
    "scope": {"en": ("purpose", "scope", "services", "object", "definition", "introduction"),
              "fr": ("objet", "perimetre", "prestations", "definition", "description")},
    "acceptance": {"en": ("acceptance", "delivery"), "fr": ("reception", "recette", "livraison", "acceptation")},
    "fees": {"en": ("fee", "price", "pricing", "charges", "rates"), "fr": ("prix", "tarif", "remuneration", "honoraires")},
    "payment": {"en": ("payment", "invoic", "late payment"), "fr": ("paiement", "factur", "reglement", "retard")},
    "duration": {"en": ("term", "duration", "commencement", "effective"), "fr": ("duree", "entree en vigueur")},
    "obligations": {"en": ("obligation", "responsibilit", "undertaking", "use"), "fr": ("obligation", "engagement")},
    "ip": {"en": ("intellectual", "proprietary", "licen", "ownership"), "fr": ("propriete", "licence")},
    "warranties": {"en": ("warrant", "disclaimer", "representation"), "fr": ("garantie",)},
    "liability": {"en": ("liabilit", "indemn", "limitation"), "fr": ("responsabilite", "indemni")},
    "insurance": {"en": ("insurance",), "fr": ("assurance",)},
    "disputes": {"en": ("dispute", "relief", "arbitration", "remed"), "fr": ("litige", "differend", "mediation")},
    "law": {"en": ("governing law", "jurisdiction", "applicable law"), "fr": ("droit applicable", "juridiction",
                                                                           "loi applicable")},
    "general": {"en": ("general", "miscellaneous", "notices", "entire"), "fr": ("general", "divers", "dispositions")},
    "signatures": {"en": ("signature",), "fr": ("signature",)},
}
GENERAL = "general"


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def guess_category(title: str, language: str, categories: tuple[str, ...]) -> tuple[str, bool]:
    """(category, guessed from a keyword); the library's general category (else its first) when
    no keyword matches or the match is not one of the library's categories."""
    folded = " " + re.sub(r"[^a-z0-9-]+", " ", _folded(title))
    for category, words in KEYWORDS.items():
        if category not in categories:
            continue
        for word in words.get(language, ()) + (words["en"] if language != "en" else ()):
            if " " + word in folded:
                return category, True
    return (GENERAL if GENERAL in categories else categories[0]), False


MAPPED = "from --category-map"


def _key(text: str) -> str:
    return " ".join(_folded(text).split()).rstrip(".:")


@dataclass
class CategoryMap:
    """Section title or clause id (accents, case and spaces ignored) → category, with the line of
    each entry, for the error about an entry that names no section of the document."""

    shown: str
    entries: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # key → (category, line, as written)
    used: set[str] = field(default_factory=set)

    def pick(self, title: str, clause_id: str) -> str | None:
        for key in (_key(title), _key(clause_id)):
            if key in self.entries:
                self.used.add(key)
                return self.entries[key][0]
        return None

    def check_used(self, sections: list[tuple[str, str]]) -> None:
        """Every entry named a section; else an error at the first one that did not."""
        for key, (_, line, written) in self.entries.items():
            if key not in self.used:
                listed = "; ".join(f"{title} ({cid})" for title, cid in sections)
                raise ImportRefused(f"{self.shown}:{line}:1", f"{written!r} is neither a section title nor a clause id "
                                    f"of this document; its sections: {listed}")


def load_category_map(path: Path, categories: tuple[str, ...]) -> CategoryMap:
    """The map in `path`, each category checked against the library's; ImportRefused at the line."""
    from ..yamlio import parse_yaml
    from .guards import _read_regular

    shown = str(path)
    data = _read_regular(path, shown)
    try:
        document = parse_yaml(data.decode("utf-8"), shown)
    except UnicodeDecodeError as exc:
        raise ImportRefused(shown, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except ContentError as exc:
        raise ImportRefused(str(exc.findings[0]).split(": error: ")[0], "; ".join(
            f.message for f in exc.findings)) from None
    if document.data is None:
        document.data = {}
    if not isinstance(document.data, dict):
        raise ImportRefused(f"{shown}:1:1", "a category map is a mapping: one `section title or clause id: "
                            "category` per line")
    mapping = CategoryMap(shown)
    for written, category in document.data.items():
        line, col = document.positions.of((written,))
        if not isinstance(category, str) or category not in categories:
            raise ImportRefused(f"{shown}:{line}:{col}", f"{written!s}: unknown category {category!r}; the library's "
                                f"categories (clausier.yml): {', '.join(categories)}")
        mapping.entries[_key(str(written))] = (category, line, str(written))
    return mapping


def choose_category(title: str, clause_id: str, language: str, categories: tuple[str, ...],
                    mapping: CategoryMap | None) -> tuple[str, bool | str]:
    """(category, how): MAPPED when the map names it, else guess_category's."""
    mapped = mapping.pick(title, clause_id) if mapping else None
    return (mapped, MAPPED) if mapped else guess_category(title, language, categories)
