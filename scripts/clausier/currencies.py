"""Currencies: which codes an agreement may use, and their names in words, per language.

Names come from CLDR through Babel (`get_currency_name` with a count gives the plural), except
the handful below: the five currencies the library always spelled keep their customary
contract names (« dollar », "pound sterling"), and a few CLDR plurals that are wrong in French
are corrected. Babel has no names for the minor unit (cent, penny, öre): the common ones are
listed; any other currency writes its fraction as hundredths (or thousandths, per its ISO
precision), which reads right in every contract.

Babel is imported inside the functions: the models import this module, and a command that
only lists or plans must not pay for Babel.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache



class _Locales(dict):
    """Language → Babel locale: France's French and British English, else the language's own
    default (« de » → de, « pt-BR » → pt_BR), so that a library may add any language Babel knows."""

    def __missing__(self, language: str) -> str:
        return language.replace("-", "_")


LOCALES = _Locales({"fr": "fr_FR", "en": "en_GB"})
_LANGUAGE_NAMES = {"fr": "French", "en": "English"}

# Currencies people use most, most used first: suggestions list them before the rare ones.
COMMON = ("EUR", "USD", "GBP", "CHF", "JPY", "CAD", "AUD", "CNY", "SEK", "NOK", "DKK", "NZD", "HKD", "SGD",
          "PLN", "CZK", "HUF", "RON", "MAD", "TND", "XOF", "XAF", "INR", "BRL", "MXN", "ZAR", "TRY", "AED")
# Names people write that are not ISO codes (UKP is the classic one: the code is GBP).
ALIASES = {"UKP": "GBP", "STG": "GBP", "UKL": "GBP", "RMB": "CNY", "YEN": "JPY", "NTD": "TWD", "SFR": "CHF",
           "EURO": "EUR", "EUROS": "EUR", "DOLLAR": "USD", "DOLLARS": "USD", "POUND": "GBP", "POUNDS": "GBP"}

# (singular, plural) of the unit, where Babel's CLDR names are not what a contract says.
_UNIT_NAMES = {
    "fr": {"EUR": ("euro", "euros"), "USD": ("dollar", "dollars"), "GBP": ("livre sterling", "livres sterling"),
           "CHF": ("franc suisse", "francs suisses"), "CAD": ("dollar canadien", "dollars canadiens"),
           # CLDR writes « dinar koweïtiens », « lari géorgiens »
           "KWD": ("dinar koweïtien", "dinars koweïtiens"), "GEL": ("lari géorgien", "laris géorgiens")},
    "en": {"EUR": ("euro", "euros"), "USD": ("dollar", "dollars"), "GBP": ("pound sterling", "pounds sterling"),
           "CHF": ("Swiss franc", "Swiss francs"), "CAD": ("Canadian dollar", "Canadian dollars")},
}
# (singular, plural) of the minor unit.
_CENTS = {"fr": ("centime", "centimes"), "en": ("cent", "cents")}
_MINOR_NAMES = {
    "fr": {"EUR": _CENTS["fr"], "USD": ("cent", "cents"), "GBP": ("penny", "pence"), "CHF": _CENTS["fr"],
           "CAD": ("cent", "cents"), "AUD": ("cent", "cents"), "NZD": ("cent", "cents"), "HKD": ("cent", "cents"),
           "SGD": ("cent", "cents"), "SEK": ("öre", "öre"), "NOK": ("øre", "øre"), "DKK": ("øre", "øre"),
           "MAD": _CENTS["fr"], "XOF": _CENTS["fr"], "XAF": _CENTS["fr"]},
    "en": {"EUR": _CENTS["en"], "USD": _CENTS["en"], "GBP": ("penny", "pence"), "CHF": ("centime", "centimes"),
           "CAD": _CENTS["en"], "AUD": _CENTS["en"], "NZD": _CENTS["en"], "HKD": _CENTS["en"],
           "SGD": _CENTS["en"], "SEK": ("öre", "öre"), "NOK": ("øre", "øre"), "DKK": ("øre", "øre")},
}
# The fraction of a currency without a named minor unit, by its number of decimals.
_FRACTIONS = {
    "fr": {2: ("centième", "centièmes"), 3: ("millième", "millièmes"), 4: ("dix-millième", "dix-millièmes")},
    "en": {2: ("hundredth", "hundredths"), 3: ("thousandth", "thousandths"), 4: ("ten-thousandth", "ten-thousandths")},
}


@lru_cache(maxsize=512)
def names(code: str, language: str) -> tuple[tuple[str, str], tuple[str, str] | None, int]:
    """((unit one, unit many), (minor one, minor many) or None, decimals) for `code` in
    `language`; ValueError naming the language when it has no name for it."""
    from babel.numbers import get_currency_name, get_currency_precision

    locale = LOCALES[language]
    unit = _UNIT_NAMES.get(language, {}).get(code)
    if unit is None:
        one, many = get_currency_name(code, 1, locale), get_currency_name(code, 2, locale)
        if code in (one, many):  # Babel falls back to the code: it has no name in this language
            raise ValueError(f"no words for currency {code!r} in {_LANGUAGE_NAMES.get(language, language)} "
                             f"({language}): Babel has no name for it; choose another currency")
        unit = (one, many)
    decimals = get_currency_precision(code)
    minor = _MINOR_NAMES.get(language, {}).get(code) or _FRACTIONS.get(language, {}).get(decimals)
    return unit, (minor if decimals else None), decimals


def check_currency(value: object) -> str:
    """The code if an agreement may use it, else a ValueError that says what to write."""
    if not isinstance(value, str):
        raise ValueError(f"write the currency as its three-letter ISO 4217 code, e.g. EUR (got {value!r})")
    code = value.strip()
    known = _known_codes()
    if code.upper() in known and code != code.upper():
        raise ValueError(f"currency codes are written in capitals: write {code.upper()}")
    if code not in known:
        hint = suggestions(code)
        shown = repr(value) if len(value) <= 20 else repr(value[:17] + "…")
        did = f" (did you mean {', '.join(hint)}?)" if hint else ""
        raise ValueError(f"{shown} is not an ISO 4217 currency code{did}; write the three-letter code of the "
                         "price's currency, e.g. EUR, USD, GBP, CHF")
    for language in ("fr", "en"):
        names(code, language)  # each language that spells amounts must be able to write it in words
    return code


@lru_cache(maxsize=1)
def _known_codes() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


@lru_cache(maxsize=1)
def in_use(on: "dt.date | None" = None) -> frozenset[str]:
    """The currencies that are legal tender somewhere on a date, today by default (CLDR)."""
    from babel.core import get_global
    from babel.numbers import get_territory_currencies

    on = on or dt.date.today()
    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        codes.update(get_territory_currencies(territory, on))
    return frozenset(codes)


def _likeness(candidate: str, code: str) -> int:
    """Letters in place (3: the same), or 2 for the same letters swapped (SKE → SEK)."""
    same = sum(a == b for a, b in zip(candidate, code))
    return max(same, 2 if sorted(candidate) == sorted(code) and len(code) == 3 else 0)


def suggestions(text: str, count: int = 3) -> list[str]:
    """Codes close to `text`, an alias's code first, then common currencies before rare ones."""
    code = text.strip().upper()
    found = [ALIASES[code]] if code in ALIASES else []
    if len(code) != 3:
        return found  # a word or a long text: only an alias can be meant
    known = sorted(in_use())
    if code in known and code not in found:
        found.append(code)  # lowercase: the same code in capitals
    close = [c for c in known if _likeness(c, code) >= 2]
    rank = {c: i for i, c in enumerate(COMMON)}
    # Closer first (the country's two letters count most), then common before rare.
    close.sort(key=lambda c: (-_likeness(c, code), c[:2] != code[:2], rank.get(c, len(rank)), c))
    for candidate in close:
        if candidate not in found:
            found.append(candidate)
    return found[:count]
