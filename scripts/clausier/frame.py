"""The unnumbered frame around a contract's articles, as a template sets it: what the parties
are called, and which preamble and closing clauses print their title.

    roles:                                   # the cover's rows and {{ roles.provider }} in clauses
      provider: {en: Party 1, fr: Partie 1}
      client: {en: Party 2, fr: Partie 2}
    titled: [recitals, signatures]           # printed under their title, without a number
    header: {left: parties}                  # running header: provider (default) | title | parties
    footer_note: {en: Based on …, CC BY 4.0} # one line of text, once after the document's end
    preamble_style: plain                    # the parties block as body text (default: block)

Without them a contract is what it was: the parties are "Provider" and "Client" (« Prestataire »,
« Client »), a preamble or closing clause shows only what its text writes, the running header
names the provider and the parties block is set apart. The role models are models.PartyRoles
(they use models.Localized, so each is given in every language of the template, checked as the
template loads); this module holds what reads them, and the running header's model.

The footer note is printed once, at the end, not on every page: a licence's attribution (CC BY
4.0 asks for it "in any reasonable manner") is then in every format alike — the Markdown and the
HTML have no pages — and in a text extraction once, not a hundred times.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo

from .markdown import escape_text

ROLES = ("provider", "client")
FOOTER_NOTE_ID = "footer-note"  # the note's div: typography.lua keeps the id, the styles place it
FOOTER_NOTE_LIMIT = 300  # characters: a line of attribution, not a clause
HEADER_SEPARATOR = " · "  # between the parties' names in the running header
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


# ---------------------------------------------------------------- running header, footer note


PreambleStyle = Literal["block", "plain"]  # the parties block set apart (today's look), or as body text


class RunningHeader(BaseModel):
    """What the running header shows on its left, beside the reference (PDF from page 2, DOCX)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    left: Literal["provider", "title", "parties"] = Field(
        "provider", description="provider: the provider's (or brand's) name; title: the document's title; "
        "parties: both parties' names, for a mutual agreement")


def header_left(meta: Any, title: str, provider: str, client: str) -> str:
    """The running header's left text, or "" for the provider's brand (today's header)."""
    header = getattr(meta, "header", None)
    choice = header.left if header is not None else "provider"
    if choice == "title":
        return title.strip()
    if choice == "parties":
        return HEADER_SEPARATOR.join(name.strip() for name in (provider, client) if name and name.strip())
    return ""


def footer_note_text(value: Any) -> Any:
    """A footer note is one short line of plain text in each language, without hidden characters
    (checked as the template's front matter is validated, so the error is at its line)."""
    from .textsafety import hidden_offsets

    for language in value.languages():
        text = value[language]
        if not text.strip():
            raise ValueError(f"the {language!r} note is empty: write the line, or remove footer_note")
        if len(text) > FOOTER_NOTE_LIMIT:
            raise ValueError(f"the {language!r} note has {len(text)} characters; a footer note is one line "
                             f"(at most {FOOTER_NOTE_LIMIT}): put longer text in a clause")
        if "\n" in text.strip():
            raise ValueError(f"the {language!r} note has several lines; a footer note is one line of text")
        hidden = hidden_offsets(text)
        if hidden:
            raise ValueError(f"the {language!r} note has a hidden character (U+{ord(hidden[0][1]):04X}) "
                             "that could disguise its text: delete it")
    return value


def footer_note(meta: Any, language: str) -> str:
    """The template's footer note as Markdown after the document's end: its text escaped (it is
    text, never markup) in the div the styles set in small type under a rule; "" without one."""
    note = getattr(meta, "footer_note", None)
    text = getattr(note, language, None) if note is not None else None
    if not text:
        return ""
    return f"\n\n::: {{#{FOOTER_NOTE_ID}}}\n{escape_text(text)}\n:::\n"
