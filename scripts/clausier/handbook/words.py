"""The handbook's own words, in the library's languages.

A bilingual library reads "Catégorie / Category" (its languages in its order); a monolingual one
reads only its own word ("Category"). A language with no word here reads the English one.
The article word comes from the templates' `numbering:`, so a library numbered "Section 5."
does not call its parts "Article" in the handbook.
"""

from __future__ import annotations

from ..planning import ARTICLE_WORD
from .layout import in_each

WORDS: dict[str, dict[str, str]] = {
    "approval": {"fr": "Approbation requise", "en": "Approval required"},
    "categories_required": {"fr": "Catégories requises", "en": "Required categories"},
    "category": {"fr": "Catégorie", "en": "Category"},
    "clause_library": {"fr": "Bibliothèque de clauses", "en": "Clause library"},
    "contract_types": {"fr": "Modèles de contrat", "en": "Contract types"},
    "guidance": {"fr": "Conseils", "en": "Guidance"},
    "key_terms": {"fr": "Termes clés", "en": "Key terms"},
    "key_terms_read": {"fr": "Termes clés lus", "en": "Key terms read"},
    "last_change": {"fr": "Dernière modification", "en": "Last change"},
    "number": {"fr": "N°", "en": "No."},
    "parameters": {"fr": "Paramètres", "en": "Parameters"},
    "specimens": {"fr": "Spécimens", "en": "Specimens"},
    "template": {"fr": "Modèle", "en": "Template"},
    "templates": {"fr": "Modèles", "en": "Templates"},
    "text": {"fr": "Texte", "en": "Text"},
    "variants": {"fr": "Variantes", "en": "Variants"},
}


def word(key: str, language: str) -> str:
    words = WORDS[key]
    return words.get(language, words["en"])


def say(key: str, languages, sep: str = " / ") -> str:
    """The label in each language, once each: "Catégorie / Category", "Category"."""
    return sep.join(in_each(lambda language: word(key, language), languages))


def heading(key: str, languages) -> str:
    """A page heading in the first language, the others small after it."""
    first, *others = in_each(lambda language: word(key, language), languages)
    return first + "".join(f" <small>{other}</small>" for other in others)


def number_word(languages) -> str:
    """The template table's number column: "N°" wherever French is read, else the first language's."""
    return word("number", "fr" if "fr" in languages else languages[0])


def article_word(metas, language: str, plural: bool = False) -> str:
    """What the templates call an article in `language` ("Article", "Section"), when they agree;
    the language's default word ("Article", "Clause") when they differ or there is none."""
    found = {(meta.numbering.refer_words(language)[1].capitalize() if plural else meta.numbering.word(language))
             for meta in metas if meta is not None}
    if len(found) == 1 and "" not in found:
        return found.pop()
    return ARTICLE_WORD[language] + ("s" if plural else "")
