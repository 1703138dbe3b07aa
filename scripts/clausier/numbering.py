"""How a template numbers its articles, sub-clauses and items, and how references to them read.

A template's front matter may set `numbering:`; every key is optional and the defaults give
the classic layout ("Article 5 — Prix" / "Clause 5 — Fees", sub-clauses 5.1, items (a), (i)):

    numbering:
      article:
        word: {en: Section, fr: Article}       # what {word} prints, per language
        heading: "{word} {n}. {title}"         # placeholders: {word} {n} {title}
      subclause:
        number: "{article}.{n}"                # placeholders: {article} {n}
        title: heading                         # heading (a line of its own) or run-in
      items: ["(a)", "(i)"]                    # marker of each list level
      refer: {en: [Section, Sections], fr: [article, articles]}   # what refs() writes

`subclause: "{article}.{n}"` and `items: "(a)"` are short for the forms above.
The model has its own base class (same settings as models.Strict) so models.py can import it.
"""

from __future__ import annotations

import re
import string
from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_WORD = {"fr": "Article", "en": "Clause"}
DEFAULT_REFER = {"fr": ("article", "articles"), "en": ("Clause", "Clauses")}
DEFAULT_HEADING = "{word} {n} — {title}"
# Marker style → (counter, text before, text after). Parenthesised styles are what contracts use;
# HTML draws every list marker itself from the counter (pandoc keeps no delimiter there).
ITEM_STYLES = {
    "(a)": ("a", "(", ")"), "(i)": ("i", "(", ")"), "(A)": ("A", "(", ")"), "(I)": ("I", "(", ")"),
    "(1)": ("1", "(", ")"), "a)": ("a", "", ")"), "i)": ("i", "", ")"), "1)": ("1", "", ")"),
    "a.": ("a", "", "."), "i.": ("i", "", "."), "1.": ("1", "", "."),
}
_LANGUAGE = re.compile(r"^[a-z]{2}$")


def _fields(text: str, allowed: set[str], required: set[str], where: str) -> str:
    try:
        names = {name for _, name, spec, conv in string.Formatter().parse(text) if name is not None}
        bad = [name for _, name, spec, conv in string.Formatter().parse(text) if name is not None and (spec or conv)]
    except ValueError as exc:
        raise ValueError(f"{where} {text!r}: {exc} (write a brace as {{{{ or }}}})") from None
    if bad:
        raise ValueError(f"{where} {text!r}: placeholder {{{bad[0]}}} takes no format or conversion")
    unknown = sorted(names - allowed)
    if unknown:
        raise ValueError(f"{where} {text!r}: unknown placeholder {{{unknown[0]}}}; "
                         f"use {', '.join('{' + a + '}' for a in sorted(allowed))}")
    missing = sorted(required - names)
    if missing:
        raise ValueError(f"{where} {text!r} must contain {{{missing[0]}}}")
    if "\n" in text:
        raise ValueError(f"{where} must be on one line")
    return text


def localized(texts: dict[str, str], language: str) -> str:
    """A template's text in the language, else its English one, else its first (parts, cover)."""
    return texts.get(language) or texts.get("en") or next(iter(texts.values()))


class _Strict(BaseModel):  # also the base of the parts' and the cover's models
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _languages(value: dict) -> dict:
    for key in value:
        if not isinstance(key, str) or not _LANGUAGE.match(key):
            raise ValueError(f"{key!r} is not a language code (fr, en, …)")
    return value


class ArticleNumbering(_Strict):
    word: dict[str, str] = Field(default_factory=dict, description="What {word} prints, per language")
    heading: str = Field(DEFAULT_HEADING, description="The article's heading: {word}, {n}, {title}")

    @field_validator("word")
    @classmethod
    def _word(cls, value: dict) -> dict:
        return _languages(value)

    @field_validator("heading")
    @classmethod
    def _heading(cls, value: str) -> str:
        return _fields(value, {"word", "n", "title"}, {"n", "title"}, "heading")


class SubclauseNumbering(_Strict):
    number: str = Field("{article}.{n}", description="A sub-clause's number: {article}, {n}")
    title: Literal["heading", "run-in"] = Field("heading", description="heading: its own line; run-in: "
                                                "bold at the start of its first paragraph")

    @field_validator("number")
    @classmethod
    def _number(cls, value: str) -> str:
        return _fields(value, {"article", "n"}, {"n"}, "number")


class Numbering(_Strict):
    article: ArticleNumbering = Field(default_factory=ArticleNumbering)
    subclause: Union[SubclauseNumbering, str] = Field(default_factory=SubclauseNumbering)
    items: Union[list[str], str] = Field(default_factory=lambda: ["(a)", "(i)"],
                                         description="Marker of each level of (a)/(i) lists")
    refer: dict[str, tuple[str, str]] = Field(default_factory=dict,
                                              description="Singular and plural word refs() writes, per language")

    @field_validator("refer")
    @classmethod
    def _refer(cls, value: dict) -> dict:
        return _languages(value)

    @field_validator("subclause", mode="after")
    @classmethod
    def _subclause(cls, value):
        return SubclauseNumbering(number=value) if isinstance(value, str) else value

    @field_validator("items", mode="after")
    @classmethod
    def _items(cls, value):
        value = [value] if isinstance(value, str) else value
        if not value:
            raise ValueError("give at least one marker, e.g. [\"(a)\", \"(i)\"]")
        for marker in value:
            if marker not in ITEM_STYLES:
                raise ValueError(f"unknown item marker {marker!r}; use one of {', '.join(ITEM_STYLES)}")
        return value

    # ------------------------------------------------------------ what the assembly asks

    def word(self, language: str) -> str:
        return self.article.word.get(language, DEFAULT_WORD.get(language, ""))

    def refer_words(self, language: str) -> tuple[str, str]:
        if language in self.refer:
            return self.refer[language]
        word = self.article.word.get(language)
        if word:  # "Section" → Section / Sections; French running text writes « article » in lower case
            word = word.lower() if language == "fr" else word
            return word, word + "s"
        return DEFAULT_REFER.get(language, ("", ""))

    def sub_number(self, article: int | str, n: int) -> str:
        return self.sub.number.format(article=article, n=n)

    @property
    def sub(self) -> SubclauseNumbering:
        return self.subclause if isinstance(self.subclause, SubclauseNumbering) else SubclauseNumbering()

    @property
    def levels(self) -> list[str]:
        return self.items if isinstance(self.items, list) else [self.items]


def counter(style: str, n: int) -> str:
    """The n-th (1-based) value of a counter: a, b, … z, aa; i, ii, iii, iv; 1, 2."""
    kind = ITEM_STYLES[style][0]
    if kind == "1":
        return str(n)
    if kind in "aA":
        text = ""
        while n > 0:
            n, rest = divmod(n - 1, 26)
            text = chr(ord("a") + rest) + text
        return text.upper() if kind == "A" else text
    return roman(n).upper() if kind == "I" else roman(n)


def roman(n: int) -> str:
    out = []
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                           (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def marker(style: str, n: int) -> str:
    """The list marker the Markdown gets: "(c)", "iv)", "3."."""
    _, before, after = ITEM_STYLES[style]
    return f"{before}{counter(style, n)}{after}"


def item_reference(style: str, n: int) -> str:
    """How a reference names an item: always in parentheses after its parent, "5.2(c)(iv)"."""
    return f"({counter(style, n)})"


AND = {"fr": "et", "en": "and"}


def join(items: list[str], language: str) -> str:
    """"3, 5.2 and 8" / « 3, 5.2 et 8 » (no serial comma: en-GB)."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {AND.get(language, 'and')} " + items[-1]


def article_heading(numbering: Numbering, language: str, n: int, title: str) -> str:
    """The article heading's text as Markdown: the format's own words escaped, spaces kept."""
    from .markdown import escape_text

    out = []
    for literal, name, _, _ in string.Formatter().parse(numbering.article.heading):
        if literal:
            core = literal.strip()
            out.append(literal[: len(literal) - len(literal.lstrip())] + (escape_text(core) if core else "")
                       + (literal[len(literal.rstrip()):] if core else ""))
        if name == "title":
            out.append(escape_text(title))
        elif name == "n":
            out.append(str(n))
        elif name == "word":
            out.append(escape_text(numbering.word(language)))
    return "".join(out).strip()
