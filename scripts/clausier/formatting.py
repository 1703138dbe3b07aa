"""Locale formatting for contract text: money, dates, durations, numbers, lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date as babel_format_date
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, format_percent
from babel.units import format_unit

from .durations import Duration, parse_duration
from .currencies import LOCALES  # (any language: its own Babel locale)
from .words import amount_in_words


def to_decimal(value: object) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"expected an exact number, got {value!r}")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value: object, currency: str, language: str, whole: bool = False) -> str:
    """12000 → « 12 000,00 € » (fr, with U+202F and U+00A0) or "€12,000.00" (en); with `whole`,
    a round amount without its cents (« 8 000 € », for a share capital)."""
    amount = to_decimal(value)
    if whole and amount == amount.to_integral_value():
        from babel import Locale

        pattern = Locale.parse(LOCALES[language]).currency_formats["standard"].pattern.replace(".00", "")
        return format_currency(amount, currency, format=pattern, locale=LOCALES[language], currency_digits=False)
    return format_currency(amount, currency, locale=LOCALES[language])


def long_date(value: dt.date, language: str) -> str:
    """« 1er décembre 2026 » / "1 December 2026"."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    text = babel_format_date(value, format="long", locale=LOCALES[language])
    if language == "fr" and value.day == 1:
        text = "1er" + text[1:]
    return text


def duration(value: object, language: str) -> str:
    """« 2 mois » / "2 months"."""
    parsed: Duration = parse_duration(value)
    return format_unit(parsed.amount, f"duration-{parsed.unit}", length="long", locale=LOCALES[language])


def number(value: object, language: str) -> str:
    return format_decimal(to_decimal(value), locale=LOCALES[language])


def percent(value: object, language: str) -> str:
    """30 → « 30 % » (the value is already a percentage)."""
    return format_percent(to_decimal(value) / 100, locale=LOCALES[language], decimal_quantization=False)


def and_list(items: list, language: str) -> str:
    """["a", "b", "c"] → « a, b et c »."""
    return format_list([str(i) for i in items], locale=LOCALES[language]) if items else ""


def words(value: object, currency: str, language: str) -> str:
    return amount_in_words(to_decimal(value), currency, language)


def registration_number(value: object, kind: str) -> str:
    """SIREN « 852 741 966 », SIRET « 852 741 966 00018 », IBAN in groups of four.

    A number that does not validate is printed as written: `clausier check` reports it.
    """
    text = str(value)
    try:
        if kind == "siren":
            from stdnum.fr import siren

            return siren.format(siren.validate(text))
        if kind == "siret":
            from stdnum.fr import siret

            return siret.format(siret.validate(text))
        if kind == "iban":  # python-stdnum here: schwifty (the IBAN/BIC check) takes ten times longer to load
            from stdnum import iban

            return iban.format(iban.validate(text))
    except Exception:  # any invalid number: show it unchanged
        return text
    raise ValueError(f"unknown registration number kind {kind!r}")
