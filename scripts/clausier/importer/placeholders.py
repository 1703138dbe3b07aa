"""Blanks and placeholders in the imported text turned into typed key terms.

What counts as a placeholder, in the escaped Markdown the clause texts are written in:
`[Customer Name]`, `[●]`, `[date]`, `[30] days`, `[Assigned/Licensed]` (also what another
step made of Word's content controls and highlighted runs: bracketed text), `<<Name>>`,
`{Name}` or `{{Name}}`, and blanks: runs of three or more underscores, or of dots standing
alone. Each becomes `{{ terms.<name> }}` and one key term of the template: the same descriptive
placeholder twice ("[Customer Name]") is one term used twice; an anonymous blank ("[●]",
"____", "[30]") is a term of its own, named from the words before it.

The type is guessed from the placeholder and the words around it: a date ("[date]", "dated
[●]"), money with a currency sign ("$[●]", "[€10,000]", "[●] EUR" — the sign is printed by
the `money` filter, so it goes with the blank), a duration ("[30] days"), a number ("[5]",
"[●] %"), a choice ("[Assigned/Licensed]"), else text. The example agreement gets a value of
that type; a text's value is the placeholder as the source printed it, so the example reads
like the source.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .inlines import Notes

_CONTENT = r"(?:[^\\\]\n]|\\[^\]\n]){0,160}?"
PLACEHOLDER = re.compile(
    rf"\\\[(?P<bracket>{_CONTENT})\\\]"
    r"|\\<\\<(?P<angle>(?:[^\\\n]|\\[^<>\n]){1,80}?)\\>\\>"
    r"|(?P<open>(?:\\\{){1,2})(?P<brace>(?:[^\\\n{}]|\\[^{}\n]){1,80}?)(?:\\\}){1,2}"
    r"|(?P<under>(?:\\_){3,})"
    r"|(?<![\w.])(?P<dots>\.{3,}|…+)(?![\w.])")
_ANONYMOUS = re.compile(r"^[\s●•…._\-–—*xX?]*$|^(?:insert|blank|tbd|tbc|à compléter|a completer|à préciser|"
                        r"to be (?:completed|confirmed|agreed)|n/a)$", re.I)
_CHECKBOX = {"", "x", "X", "✓", "✔", "✗"}
_CURRENCIES = {"$": "USD", "€": "EUR", "£": "GBP", "eur": "EUR", "usd": "USD", "gbp": "GBP", "chf": "CHF",
               "euro": "EUR", "euros": "EUR", "dollar": "USD", "dollars": "USD"}
_SIGN = r"(?:\\\$|€|£|\b(?:EUR|USD|GBP|CHF)\b)"
_SIGN_BEFORE = re.compile(rf"{_SIGN}[\s\u00a0]?$")
_SIGN_AFTER = re.compile(r"^[\s\u00a0]?(?:€|£|\b(?:EUR|USD|GBP|CHF|euros?|dollars)\b)", re.I)
_UNIT_AFTER = re.compile(r"^[\s\u00a0]+(?P<unit>days?|weeks?|months?|years?|jours?|semaines?|mois|ans|années?)\b"
                         r"(?![\s\u00a0]+(?:ouvr|calendaires|francs))", re.I)
_COUNT_AFTER = re.compile(r"^[\s\u00a0]*(?:%|per ?cent|pour ?cent|business days|working days|jours ouvr|hours|"
                          r"heures|times|fois|copies|exemplaires)", re.I)
_DATE_WORDS = re.compile(r"\bdates?\b|\bdd/mm|\bmm/dd|\bjj/mm|\byyyy\b|\baaaa\b|\bday of\b", re.I)
_DATE_BEFORE = re.compile(r"(?:\bdated|\bas of|\bsigned on|\bdate\s*:|\ben date du|\bdaté du|,\s*le)[\s\u00a0]*$", re.I)
_YEAR_AFTER = re.compile(r"^[\s\u00a0]*(?:19|20)\d\d\b")
_NUMBER = re.compile(r"^[\d\s\u00a0\u202f.,]*\d[\d\s\u00a0\u202f.,]*$")
_OPTIONS = re.compile(r"\s*/\s*|\s+or\s+|\s+ou\s+")
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
# Names a term cannot take: `terms.items` would be the mapping's method, not the term.
_RESERVED = {"items", "keys", "values", "get", "pop", "update", "copy", "clear", "setdefault", "popitem", "fromkeys"}
_STOP = set("the a an of to in on at by for with within shall will be is are was and or any each its their this "
            "that such as from per than no not may must which who all has have upon after before under into "
            "le la les l un une des du de d au aux et ou en dans par pour sur sous à est sont sera doit qui que ce "
            "cette ces son sa ses leur leurs tout toute chaque dont avec sans".split())
_KIND_WORD = {"en": {"date": "date", "duration": "period", "money": "amount", "int": "number", "decimal": "number",
                     "enum": "choice", "text": ""},
              "fr": {"date": "date", "duration": "délai", "money": "montant", "int": "nombre", "decimal": "nombre",
                     "enum": "choix", "text": ""}}


@dataclass
class Term:
    name: str
    type: str
    label: str
    value: object  # the example agreement's value, in the term's type
    source: str  # the placeholder as the source printed it
    why: str  # how the type was guessed
    choices: list[str] | None = None
    currency: str | None = None
    uses: list[int] = field(default_factory=list)  # source paragraphs
    hint: str = ""  # what the source says to write (a cover label cell's second paragraph)


def _unescape(md: str) -> str:
    return re.sub(r"\\(.)", r"\1", md.replace("**", "").replace("\\\n", " "))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def snake(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", _ascii(text).lower()).split()
    name = "_".join(words[:5])[:40].strip("_")
    return ("term_" + name if name[:1].isdigit() else name) or "term"


def _amount(text: str) -> Decimal | None:
    digits = re.sub(r"[\s\u00a0\u202f]", "", text)
    digits = re.sub(r"[,](?=\d{3}\b)|[.](?=\d{3}\b)(?=.*[,])", "", digits).replace(",", ".")
    found = re.search(r"\d+(?:\.\d+)?", digits)
    try:
        return Decimal(found.group(0)) if found else None
    except InvalidOperation:
        return None


def _literal_date(text: str, language: str) -> dt.date | None:
    """A date the source writes out ("1 January 2027", "2027-01-01", « 1er janvier 2027 »)."""
    from babel.dates import parse_date

    text = text.strip().replace("1er ", "1 ")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    if not re.search(r"\d", text) or len(text) > 30:
        return None
    for form in ("%d %B %Y", "%B %d, %Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    try:
        return parse_date(text, locale="fr_FR" if language == "fr" else "en_GB") if "/" in text else None
    except (ValueError, IndexError):
        return None


class Terms:
    """The key terms found, by the placeholder's key, and the rewriting of texts to use them."""

    def __init__(self, language: str, notes: Notes, today: dt.date):
        self.language, self.notes, self.today = language, notes, today
        self.by_key: dict[str, Term] = {}
        self.names: set[str] = set()
        self.left: list[tuple[int, str]] = []  # bracketed text kept as written (paragraph, text)
        self.kept_blanks = 0  # blanks of the signature block, kept for a pen
        self.unbracketed: list[tuple[int, str, list[str]]] = []  # (paragraph, term, blanks in a cover value)

    def terms(self) -> list[Term]:
        return list({id(term): term for term in self.by_key.values()}.values())  # a term may have two keys

    def _name(self, base: str) -> str:
        base = base if base not in _RESERVED else base + "_term"
        name, n = base, 2
        while name in self.names:
            name, n = f"{base}_{n}", n + 1
        self.names.add(name)
        return name

    def rewrite(self, md: str, index: int, blanks: bool = True) -> str:
        """`md` with each placeholder as `{{ terms.<name> }}`; `blanks` False leaves underscore and dot
        runs as written (a signature block's lines are filled by hand)."""
        out, last = [], 0
        for match in PLACEHOLDER.finditer(md):
            if match.start() < last:
                continue
            if (match["under"] or match["dots"]) and not blanks:
                self.kept_blanks += 1
                continue
            replaced = self._replace(md, match, index)
            if replaced is None:
                continue
            start, end, text = replaced
            out.append(md[last:start] + text)
            last = end
        out.append(md[last:])
        return "".join(out)

    def _replace(self, md: str, match: re.Match, index: int) -> tuple[int, int, str] | None:
        raw = match["bracket"] if match["bracket"] is not None else match["angle"] or match["brace"] or ""
        content = " ".join(_unescape(raw).split())
        shown = _unescape(match.group(0))
        if match["bracket"] is not None:
            if content in _CHECKBOX:
                self.left.append((index, f"{shown} (a tick-box)"))
                return None
            if len(content.split()) > 10 or content.rstrip().endswith((".", ";")) and len(content.split()) > 4:
                self.left.append((index, shown))  # optional wording, not a value
                return None
        if match["brace"] and not re.search(r"[A-Za-z]", content):
            return None
        before, after = md[: match.start()], md[match.end():]
        start, end = match.start(), match.end()
        anonymous = bool(match["under"] or match["dots"] or _ANONYMOUS.match(content))
        kind, why, currency, choices, value = self._type(content, before, after, anonymous)
        if kind == "money":
            sign = _SIGN_BEFORE.search(before)
            if sign:
                start -= len(sign.group(0))
            else:
                following = _SIGN_AFTER.match(after)
                end += len(following.group(0)) if following else 0
        elif kind == "duration" and (unit := _UNIT_AFTER.match(after)):
            end += unit.end()
        before = md[:start]
        descriptive = not anonymous and kind not in ("enum", "duration", "money", "int", "decimal") \
            and re.search(r"[^\W\d_]{2}", content)
        key = " ".join(content.casefold().split()) if descriptive else f"#{len(self.by_key)}"
        term = self.by_key.get(key)
        if term is None:
            label = content if descriptive else self._context_label(before, after, kind)
            written = _unescape(md[start:end])
            term = Term(self._name(snake(label)), kind, label[:1].upper() + label[1:],
                        written if value is None else value, written, why, choices, currency)
            self.by_key[key] = term
        term.uses.append(index)
        return start, end, self.printed(term)

    @staticmethod
    def printed(term: Term) -> str:
        if term.type == "money":
            return f'{{{{ terms.{term.name} | money("{term.currency}") }}}}'
        return f"{{{{ terms.{term.name} }}}}"

    def _type(self, content: str, before: str, after: str, anonymous: bool):
        """(type, why, currency, choices, example value)."""
        options = [o.strip() for o in _OPTIONS.split(content)] if not anonymous else []
        if 2 <= len(options) <= 6 and all(o and len(o.split()) <= 5 and re.search(r"[^\W\d_]", o) for o in options) \
                and content.lower() not in ("and/or", "et/ou"):
            return "enum", "choices separated by '/' or 'or'", None, options, options[0]
        currency = None
        sign = re.search(r"(\$|€|£|\b(?:EUR|USD|GBP|CHF|euros?|dollars)\b)", content, re.I)
        if sign and (anonymous or _amount(content) is not None or len(content.split()) <= 3):
            currency = _CURRENCIES.get(sign.group(1).lower(), _CURRENCIES.get(sign.group(1)))
        elif (anonymous or _NUMBER.match(content)) and (s := _SIGN_BEFORE.search(before) or _SIGN_AFTER.match(after)):
            word = s.group(0).strip().lstrip("\\")
            currency = _CURRENCIES.get(word.lower(), _CURRENCIES.get(word))
        if currency:
            amount = _amount(content)
            return "money", f"a currency sign ({currency})", currency, None, amount if amount is not None else 1000
        numeric = anonymous or bool(_NUMBER.match(content)) or bool(re.fullmatch(r"[a-z-]+ \(\d+\)", content))
        unit = _UNIT_AFTER.match(after)
        if numeric and unit:
            amount = _amount(content)
            n = int(amount) if amount is not None and amount == int(amount) and amount > 0 else 30
            plural = unit["unit"].lower()
            return "duration", f"followed by '{unit['unit']}'", None, None, self._duration(n, plural)
        if not anonymous and (found := re.fullmatch(r"(\d{1,4})\s+(\w+)", content)) and _UNIT_AFTER.match(" " + found[2]):
            return "duration", "a length of time", None, None, self._duration(int(found[1]), found[2].lower())
        if _DATE_WORDS.search(content) or _literal_date(content, self.language) or \
                anonymous and (_DATE_BEFORE.search(before) or _YEAR_AFTER.match(after)):
            date = _literal_date(content, self.language) or self.today
            return "date", "a date", None, None, date
        if (not anonymous and _NUMBER.match(content)) or (anonymous and _COUNT_AFTER.match(after)):
            amount = _amount(content)
            if amount is not None and amount != int(amount):
                return "decimal", "a number", None, None, amount
            return "int", "a number", None, None, int(amount) if amount is not None else 1
        return "text", "text", None, None, None

    @staticmethod
    def _duration(n: int, unit: str) -> str:
        from ..durations import parse_duration

        try:
            return str(parse_duration(f"{n} {unit}"))
        except ValueError:
            return "30 days"

    def _context_label(self, before: str, after: str, kind: str) -> str:
        """A name for an anonymous blank from the words before it (else after it), and its kind."""
        def content(text: str) -> list[str]:
            return [w for w in re.findall(r"[^\W\d_][\w'’-]*", _unescape(_JINJA.sub(" ", text)))
                    if w.lower().strip("'’") not in _STOP and len(w) > 1]

        sentence = re.split(r"[.;:!?]\s", before)[-1]
        pieces = re.split(r",\s|\n", PLACEHOLDER.sub("\n", _JINJA.sub("\n", sentence)))
        # the words just before it, else before the blank before it, else after it
        words = next((content(piece)[-3:] for piece in reversed(pieces) if content(piece)), content(after)[:3])
        suffix = _KIND_WORD.get(self.language, _KIND_WORD["en"]).get(kind, "")
        if suffix and suffix not in " ".join(words).lower():
            words = words + [f"({suffix})"] if words else [suffix]
        return " ".join(words).lower() if words else "blank"

    def add_row(self, label: str, value_md: str, index: int, hint: str = "") -> Term | None:
        """A cover row: a key term named after its label, typed by its value (a placeholder in the
        cell, or a value written out); the same label as a placeholder elsewhere is the same term.
        A blank inside a longer value ("Expires [1 year] from Effective Date") is part of that
        value, without its brackets: a cover row prints one value, the term's."""
        key = " ".join(label.casefold().split())
        value_md = value_md.strip()
        source = _unescape(value_md)  # as the source printed it, brackets and all
        whole, inner, blanks = PLACEHOLDER.fullmatch(value_md), "", []
        if whole and whole.group(0) == value_md and (whole["bracket"] or whole["angle"] or whole["brace"]):
            inner = " ".join(_unescape(whole["bracket"] or whole["angle"] or whole["brace"] or "").split())
            kind, why, currency, choices, value = self._type(inner, "", "", bool(_ANONYMOUS.match(inner)))
            if kind == "text":
                value = _unescape(value_md)
        else:
            value_md, blanks = _unbracket(value_md)
            kind, why, currency, choices, value = self._literal(_unescape(value_md).strip())
        if kind == "money" and currency != "EUR":  # the cover prints money in the agreement's currency
            kind, why, currency, value = "text", "text (an amount in another currency than EUR)", None, _unescape(value_md)
        term = self.by_key.get(key)
        if term is None:
            term = Term(self._name(snake(label)), kind, label, value, source, why, choices, currency, hint=hint)
            self.by_key[key] = term
            if blanks:
                self.unbracketed.append((index, term.name, blanks))
        if inner and kind == "text" and not _ANONYMOUS.match(inner):  # "[Customer Name]" in the text: this term
            self.by_key.setdefault(" ".join(inner.casefold().split()), term)
        term.uses.append(index)
        return term

    def _literal(self, text: str):
        boxes = re.findall(r"([☐☒☑■□✓✔])\s*([^☐☒☑■□✓✔\n]+)", text)
        if len(boxes) >= 2:
            choices = [choice.strip().rstrip("\\").strip() for _, choice in boxes]
            chosen = next((c for mark, c in zip([m for m, _ in boxes], choices) if mark in "☒☑■✓✔"), choices[0])
            return "enum", "tick-boxes", None, choices, chosen
        date = _literal_date(text, self.language)
        if date:
            return "date", "a date", None, None, date
        from ..durations import parse_duration

        try:
            return "duration", "a length of time", None, None, str(parse_duration(text))
        except ValueError:
            pass
        return "text", "text", None, None, text


def _unbracket(md: str) -> tuple[str, list[str]]:
    """`md` with each bracketed, <<angled>> or {braced} blank as its words (not a tick-box), and
    the blanks as the source printed them."""
    blanks: list[str] = []

    def words(match: re.Match) -> str:
        raw = match["bracket"] if match["bracket"] is not None else match["angle"] or match["brace"]
        if raw is None or " ".join(_unescape(raw).split()) in _CHECKBOX:
            return match.group(0)
        blanks.append(_unescape(match.group(0)))
        return raw.strip()

    return PLACEHOLDER.sub(words, md), blanks


# ---------------------------------------------------------------- defined terms

_BOLD_DEFINITION = re.compile(r"^(?P<lead>(?:\\?\(?[a-z0-9]{1,4}\)\s+)?)\*\*(?P<term>[^*\n\"“”«»]{1,60}?)\*\*"
                              r"(?=[\s\u00a0]+(?:means|mean|shall mean|has the meaning|désigne|désignent|s['’]entend)\b)")
_QUOTES = {"fr": ("« ", " »"), "en": ("“", "”")}



def quote_definitions(block, language: str) -> int:
    """A bold term defined without quotes ("**Affiliate** means") put in the language's quotes,
    which is what the defined-terms check reads as a definition; the count."""
    opening, closing = _QUOTES.get(language, _QUOTES["en"])
    block.md, count = _BOLD_DEFINITION.subn(lambda m: f"{m['lead']}{opening}**{m['term']}**{closing}", block.md)
    return count


def defined_terms(blocks) -> list[str]:
    """The terms the defined-terms check will read as defined in these blocks, in order."""
    from ..lint.terms_text import definitions, units

    found: list[str] = []
    for block in blocks:
        for definition in definitions(units(_JINJA.sub("…", block.md))):
            if definition.term not in found:
                found.append(definition.term)
    return found
