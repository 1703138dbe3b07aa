"""clausier.yml: the organisation, its branding, and the library's own choices (languages,
clause categories, playbook). A model of its own: models.py holds the content files' models."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import Field, model_validator

from .models import LANGUAGES, Identifier, LanguageCode, Party, Strict

# Category id → label per language (the handbook and the completeness check use them): the
# categories of a library that does not declare `categories:` in clausier.yml.
CATEGORIES: dict[str, dict[str, str]] = {
    "parties": {"fr": "Parties", "en": "Parties"},
    "scope": {"fr": "Objet et périmètre", "en": "Purpose and scope"},
    "acceptance": {"fr": "Réception", "en": "Acceptance"},
    "fees": {"fr": "Prix", "en": "Fees"},
    "payment": {"fr": "Paiement", "en": "Payment"},
    "duration": {"fr": "Durée", "en": "Term"},
    "obligations": {"fr": "Obligations des parties", "en": "Obligations"},
    "subcontracting": {"fr": "Sous-traitance", "en": "Subcontracting"},
    "non-solicitation": {"fr": "Non-sollicitation", "en": "Non-solicitation"},
    "confidentiality": {"fr": "Confidentialité", "en": "Confidentiality"},
    "data": {"fr": "Données personnelles", "en": "Personal data"},
    "ip": {"fr": "Propriété intellectuelle", "en": "Intellectual property"},
    "warranties": {"fr": "Garanties", "en": "Warranties"},
    "liability": {"fr": "Responsabilité", "en": "Liability"},
    "insurance": {"fr": "Assurance", "en": "Insurance"},
    "force-majeure": {"fr": "Force majeure", "en": "Force majeure"},
    "termination": {"fr": "Résiliation", "en": "Termination"},
    "disputes": {"fr": "Litiges", "en": "Disputes"},
    "law": {"fr": "Droit applicable", "en": "Governing law"},
    "general": {"fr": "Dispositions générales", "en": "General provisions"},
    "signatures": {"fr": "Signatures", "en": "Signatures"},
}



def category_label(category: str, language: str) -> str:
    """A category's name in a language: the built-in label, else the id as words ("after-sales")."""
    labels = CATEGORIES.get(category, {})
    return labels.get(language) or labels.get("en") or category.replace("-", " ").capitalize()


class Colors(Strict):
    primary: str = Field("#1f3a5f", pattern=r"^#[0-9a-fA-F]{6}$")
    accent: str = Field("#b5651d", pattern=r"^#[0-9a-fA-F]{6}$")


class Branding(Strict):
    name: str
    logo: Optional[str] = Field(None, description="Path of a PNG, JPEG or SVG logo inside the repository")
    colors: Colors = Field(default_factory=Colors)


class Playbook(Strict):
    """Which departures from the standard need an entry in an agreement's `approvals:`."""

    variants: bool = Field(True, description="A non-standard variant needs an approval")
    parameters: bool = Field(True, description="A parameter outside its standard range needs an approval")
    approvers: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Approval role (as written in clause.yml) → the people who may give it; empty: anyone")


class Signing(Strict):
    """`clausier verify` and the `signed` check: whose certificates a signature may rest on."""

    trust: list[str] = Field(default_factory=list, description="Trusted certificates (PEM or DER files in the "
                             "repository): your own CA, a trust service provider's root")


class Config(Strict):
    organisation: Party
    branding: Branding
    languages: list[LanguageCode] = Field(default_factory=lambda: list(LANGUAGES), min_length=1,
                                          description="The library's languages: every clause is written in each")
    language: LanguageCode = Field(LANGUAGES[0], description="Language of agreements that do not say "
                                   "(default: the first of `languages`)")
    categories: list[Identifier] = Field(default_factory=lambda: list(CATEGORIES), min_length=1,
                                         description="Clause categories, in the handbook's order")
    playbook: Playbook = Field(default_factory=Playbook)
    signing: Signing = Field(default_factory=lambda: Signing())

    @model_validator(mode="before")
    @classmethod
    def _default_language(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("language") is None:
            languages = data.get("languages")
            first = languages[0] if isinstance(languages, list) and languages else LANGUAGES[0]
            return {**data, "language": first}
        return data

    # Whether each language is known (Babel), declared once, and `language` among them: checked
    # when loading, at their lines (repository.py).
