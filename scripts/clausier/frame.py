"""The unnumbered frame around a contract's articles, as a template sets it: what the parties
are called, and which preamble and closing clauses print their title.

    roles:                                   # the cover's rows and {{ roles.provider }} in clauses
      provider: {en: Party 1, fr: Partie 1}
      client: {en: Party 2, fr: Partie 2}
    titled: [recitals, signatures]           # printed under their title, without a number

Without them a contract is what it was: the parties are "Provider" and "Client" (« Prestataire »,
« Client ») and a preamble or closing clause shows only what its text writes. The role models
are models.PartyRoles (they use models.Localized, so each is given in every language of the
template, checked as the template loads); this module holds what reads them.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationInfo

from .markdown import escape_text

ROLES = ("provider", "client")
# What the parties are called when a template does not say; a language a library adds takes English.
PARTY_WORDS = {"fr": ("Prestataire", "Client"), "en": ("Provider", "Client")}


def party_words(meta: Any, language: str) -> tuple[str, str]:
    """(provider, client): the template's role words in the language, else the default ones."""
    default = PARTY_WORDS.get(language, PARTY_WORDS["en"])
    roles = getattr(meta, "roles", None)
    words = []
    for role, fallback in zip(ROLES, default):
        given = getattr(roles, role, None) if roles is not None else None
        words.append(getattr(given, language, None) or fallback if given is not None else fallback)
    return words[0], words[1]


class Roles(dict):
    """The role words as clause texts read them (`roles.provider`); another name is an error
    that lists the two."""

    def __missing__(self, name):
        from jinja2.exceptions import UndefinedError

        raise UndefinedError(f"roles.{name} is not a party's role: write roles.provider or roles.client")


def roles_for(meta: Any, language: str) -> Roles:
    return Roles(zip(ROLES, party_words(meta, language)))


def titled_clause(value: str, info: ValidationInfo) -> str:
    """An id under `titled:` is one of the template's preamble or closing clauses (checked as the
    template's front matter is validated, so the error is at the id's line)."""
    if "preamble" not in info.data and "closing" not in info.data:
        return value  # those lists are wrong themselves: their own error says so
    frame = [*info.data.get("preamble", ()), *info.data.get("closing", ())]
    if value not in frame:
        raise ValueError(f"{value!r} is not a preamble or closing clause of this template (preamble: "
                         f"{', '.join(info.data.get('preamble', ())) or 'none'}; closing: "
                         f"{', '.join(info.data.get('closing', ())) or 'none'}); an article always shows its title")
    return value


def framed(clause_id: str, title: str, body: str, titled: bool) -> str:
    """An unnumbered clause's Markdown (preamble, closing): its text in the div `{#<id>}`, and
    above the div a heading its text opens with (pandoc would move the div's id onto it) and,
    when the template lists the clause under `titled:`, its title as a heading without a number."""
    heading = ""
    first, _, rest = body.partition("\n")
    if first.startswith("#"):
        heading, body = first + "\n\n", rest.strip("\n")
    if titled:
        heading = f"# {escape_text(title)}\n\n" + heading
    return f"{heading}::: {{#{clause_id}}}\n{body}\n:::"
