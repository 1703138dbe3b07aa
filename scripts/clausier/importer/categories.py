"""A clause's category guessed from its title: a few keywords per category and language. The
first category whose keyword starts a word of the title wins; none: the library's general
category. Every guess is in the report, for a lawyer to check."""

from __future__ import annotations

import re
import unicodedata

# category → keywords (matched at the start of a word of the title, accents and case ignored)
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "parties": {"en": ("parties", "between"), "fr": ("parties", "entre")},
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
    "acceptance": {"en": ("acceptance", "delivery"), "fr": ("reception", "recette", "livraison")},
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
