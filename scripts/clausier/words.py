"""Amounts in words: a Decimal-only wrapper around num2words.

num2words' own currency mode reads an int as cents and says « zéro centime »;
here the integer part and the cents are spelled separately, and French takes
« d'euros » after a round million or milliard.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from num2words import num2words

# (singular, plural) names of the main unit and of the cents, per language.
CURRENCY_NAMES = {
    "fr": {
        "EUR": (("euro", "euros"), ("centime", "centimes")),
        "USD": (("dollar", "dollars"), ("cent", "cents")),
        "GBP": (("livre sterling", "livres sterling"), ("penny", "pence")),
        "CHF": (("franc suisse", "francs suisses"), ("centime", "centimes")),
        "CAD": (("dollar canadien", "dollars canadiens"), ("cent", "cents")),
    },
    "en": {
        "EUR": (("euro", "euros"), ("cent", "cents")),
        "USD": (("dollar", "dollars"), ("cent", "cents")),
        "GBP": (("pound sterling", "pounds sterling"), ("penny", "pence")),
        "CHF": (("Swiss franc", "Swiss francs"), ("centime", "centimes")),
        "CAD": (("Canadian dollar", "Canadian dollars"), ("cent", "cents")),
    },
}


def amount_in_words(amount: Decimal, currency: str, language: str) -> str:
    """`Decimal("12000")`, "EUR", "fr" → « douze mille euros »."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"amounts in words take a Decimal, not {type(amount).__name__}")
    if amount < 0:
        raise ValueError("amounts in words must not be negative")
    try:
        (unit_one, unit_many), (cent_one, cent_many) = CURRENCY_NAMES[language][currency]
    except KeyError:
        raise ValueError(f"no words for currency {currency!r} in {language!r}; "
                         f"known: {', '.join(CURRENCY_NAMES.get(language, {}))}") from None
    cents_total = int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    units, cents = divmod(cents_total, 100)
    parts = []
    if units or not cents:
        spelled = _spell(units, language)
        # French keeps the singular for zero and one (« zéro euro »).
        name = unit_one if units == 1 or (units == 0 and language == "fr") else unit_many
        if language == "fr" and spelled.split()[-1] in ("million", "millions", "milliard", "milliards"):
            parts.append(f"{spelled} d'{name}" if name[0] in "aeiouéè" else f"{spelled} de {name}")
        else:
            parts.append(f"{spelled} {name}")
    if cents:
        spelled = _spell(cents, language)
        parts.append(f"{spelled} {cent_one if cents == 1 else cent_many}")
    joiner = " et " if language == "fr" else " and "
    return joiner.join(parts)


def _spell(value: int, language: str) -> str:
    # num2words writes "three thousand, six hundred"; contracts do without the comma.
    return num2words(value, lang=language).replace(",", "")
