"""The handbook's own words, in the library's languages.

A bilingual library reads "Catégorie / Category" (its languages in its order); a monolingual one
reads only its own word ("Category"). A language with no word here reads the English one.
Sentences (SENTENCES, `sentence`) are written in one language: a monolingual library's own, else
English, as a bilingual handbook has always read them.
The article word comes from the templates' `numbering:`, so a library numbered "Section 5."
does not call its parts "Article" in the handbook.
"""

from __future__ import annotations

from ..planning import ARTICLE_WORD
from .layout import in_each

WORDS: dict[str, dict[str, str]] = {
    "approval": {"fr": "Approbation requise", "en": "Approval required"},
    "categories_required": {"fr": "Catégories requises", "en": "Required categories"},
    "bounds": {"fr": "Bornes", "en": "Bounds"},
    "category": {"fr": "Catégorie", "en": "Category"},
    "clause_library": {"fr": "Bibliothèque de clauses", "en": "Clause library"},
    "closing": {"fr": "clôture", "en": "closing"},
    "contract_types": {"fr": "Modèles de contrat", "en": "Contract types"},
    "cover": {"fr": "page de garde", "en": "cover page"},
    "default": {"fr": "Par défaut", "en": "Default"},
    "guidance": {"fr": "Conseils", "en": "Guidance"},
    "home": {"fr": "Accueil", "en": "Home"},
    "key_terms": {"fr": "Termes clés", "en": "Key terms"},
    "key_terms_read": {"fr": "Termes clés lus", "en": "Key terms read"},
    "last_change": {"fr": "Dernière modification", "en": "Last change"},
    "name": {"fr": "Nom", "en": "Name"},
    "number": {"fr": "N°", "en": "No."},
    "optional": {"fr": "facultative", "en": "optional"},
    "parameters": {"fr": "Paramètres", "en": "Parameters"},
    "permalink": {"fr": "Lien permanent", "en": "Permanent link"},
    "preamble": {"fr": "préambule", "en": "preamble"},
    "specimens": {"fr": "Spécimens", "en": "Specimens"},
    "template": {"fr": "Modèle", "en": "Template"},
    "templates": {"fr": "Modèles", "en": "Templates"},
    "text": {"fr": "Texte", "en": "Text"},
    "to_translate": {"fr": "À traduire", "en": "To translate"},
    "type": {"fr": "Type", "en": "Type"},
    "variants": {"fr": "Variantes", "en": "Variants"},
}

# The handbook's sentences; {placeholders} are filled by `sentence`.
SENTENCES: dict[str, dict[str, str]] = {
    "agreement_body": {"fr": "texte propre au contrat, s'il y en a un", "en": "agreement body, when present"},
    "deletions": {"fr": "Les ajouts et les suppressions sont montrés par rapport au texte standard.",
                  "en": "Insertions and deletions are shown against the standard text."},
    "highlighted": {"fr": "Les valeurs surlignées dans le texte sont des paramètres, montrés avec leur valeur par "
                          "défaut.",
                    "en": "Highlighted values in the text are parameters, shown with their default."},
    "in_template": {"fr": "**{number}** dans {target}", "en": "**{number}** in {target}"},
    "missing": {"fr": "{clause} (manquante)", "en": "{clause} (missing)"},
    "no_parameters": {"fr": "Cette clause n'a pas de paramètres.", "en": "This clause has no parameters."},
    "no_template": {"fr": "aucun pour l'instant : aucun modèle ne contient cette clause (un contrat peut l'ajouter "
                          "avec `clauses: add`, après les {plural} du modèle)",
                    "en": "none yet: no template holds this clause (an agreement can add it with `clauses: add`, "
                          "after the template's {plural})"},
    "omit": {"fr": "Un contrat peut omettre les clauses facultatives (`clauses: omit`) ; la numérotation suit.",
             "en": "Optional clauses can be left out by an agreement (`clauses: omit`); numbering follows."},
    "sample_data": {"fr": "Construits à partir de données d'exemple (jamais de contrats de clients).",
                    "en": "Built from sample data (never from client agreements)."},
    "sets_terms": {"fr": "Un contrat fixe chacun une fois (`terms:`) ; chaque clause le lit comme `terms.<name>`.",
                   "en": "An agreement sets each once (`terms:`); every clause reads it as `terms.<name>`."},
    "subclauses": {"fr": "Les sous-clauses sont numérotées {x}.1, {x}.2… : {x} est le numéro que le contrat donne "
                         "à la clause (voir **{word}** ci-dessus).",
                   "en": "Sub-clauses are numbered {x}.1, {x}.2…: {x} is the {lower}'s number in the contract "
                         "(see **{word}** above)."},
    "terms_read": {"fr": " (fixés une fois par contrat ; surlignés dans le texte avec la valeur par défaut du modèle)",
                   "en": " (set once per agreement; highlighted in the text with the template's default)"},
    "unnumbered": {"fr": "non numérotée ({note}) dans {target}", "en": "unnumbered ({note}) in {target}"},
}


def prose_language(languages) -> str:
    """The language of the handbook's sentences: a monolingual library's, else English."""
    languages = tuple(languages)
    return languages[0] if len(languages) == 1 else "en"


def sentence(key: str, languages, **values) -> str:
    texts = SENTENCES[key]
    return texts.get(prose_language(languages), texts["en"]).format(**values)


def prose_word(key: str, languages) -> str:
    """A word inside a sentence or a table column of one language ("Variants", « Variantes »)."""
    return word(key, prose_language(languages))


def colon(languages) -> str:
    """After a bold label: « Catégorie : » in a French handbook, "Category:" otherwise."""
    return "\u00a0:" if prose_language(languages) == "fr" else ":"


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
