"""Locale filters: what a French or English reader expects to see, character for character."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clausier import formatting
from clausier.words import amount_in_words

NNBSP, NBSP = "\u202f", "\u00a0"


def test_money_in_french_uses_narrow_and_plain_no_break_spaces():
    assert formatting.money(Decimal("12000"), "EUR", "fr") == f"12{NNBSP}000,00{NBSP}€"


def test_money_in_english():
    assert formatting.money(Decimal("12000"), "EUR", "en") == "€12,000.00"


def test_dates():
    assert formatting.long_date(dt.date(2026, 12, 1), "fr") == "1er décembre 2026"
    assert formatting.long_date(dt.date(2026, 12, 2), "fr") == "2 décembre 2026"
    assert formatting.long_date(dt.date(2026, 12, 1), "en") == "1 December 2026"


def test_durations():
    assert formatting.duration("2 months", "fr") == f"2{NBSP}mois"
    assert formatting.duration("1 year", "fr") == f"1{NBSP}an"
    assert formatting.duration("30 days", "en") == "30 days"
    assert formatting.duration("P1M", "en") == "1 month"
    with pytest.raises(ValueError, match="not a duration"):
        formatting.duration("soon", "en")


def test_percent_and_lists():
    assert formatting.percent(30, "fr") == f"30{NBSP}%"
    assert formatting.percent(Decimal("33.5"), "en") == "33.5%"
    assert formatting.and_list(["a", "b", "c"], "fr") == "a, b et c"
    assert formatting.and_list(["a", "b", "c"], "en") == "a, b and c"


@pytest.mark.parametrize(
    ("amount", "fr", "en"),
    [
        ("12000", "douze mille euros", "twelve thousand euros"),
        ("1", "un euro", "one euro"),
        ("1000000", "un million d'euros", "one million euros"),
        ("2000000", "deux millions d'euros", "two million euros"),
        ("3600.50", "trois mille six cents euros et cinquante centimes",
         "three thousand six hundred euros and fifty cents"),
        ("0.01", "un centime", "one cent"),
        ("80", "quatre-vingts euros", "eighty euros"),
        ("80000", "quatre-vingt mille euros", "eighty thousand euros"),
        ("80000000", "quatre-vingts millions d'euros", "eighty million euros"),
        ("200100", "deux cent mille cent euros", "two hundred thousand one hundred euros"),
        ("71021", "soixante et onze mille vingt et un euros", "seventy-one thousand and twenty-one euros"),
        ("3000000000000", "trois billions d'euros", "three trillion euros"),
    ],
)
def test_amounts_in_words(amount, fr, en):
    assert amount_in_words(Decimal(amount), "EUR", "fr") == fr
    assert amount_in_words(Decimal(amount), "EUR", "en") == en


def test_words_never_say_zero_cents_and_refuse_floats():
    assert "zéro" not in amount_in_words(Decimal("12000.00"), "EUR", "fr")
    with pytest.raises(TypeError, match="Decimal"):
        amount_in_words(12000.0, "EUR", "fr")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no words for currency"):
        amount_in_words(Decimal(1), "XYZ", "fr")
    with pytest.raises(ValueError, match="stop below"):
        amount_in_words(Decimal(10**18), "EUR", "en")


def _spelled_by_num2words(value: int, language: str) -> str:
    from num2words import num2words  # a test dependency: the reference our own speller is held to

    return num2words(value, lang=language).replace(",", "")


def test_numbers_are_spelled_as_num2words_spells_them():
    """Every form a group of three digits takes, alone, before « mille » / "thousand" and before
    a scale noun, then thousands of numbers of every size (num2words is slow: ~0.1 ms a call)."""
    import random

    from clausier.words import LIMIT, _spell

    rnd = random.Random(7)
    values = list(range(2000)) + [n * 1000 + rnd.randrange(1000) for n in range(1000)] + [n * 1000 for n in range(1000)]
    values += [n * 10**6 for n in range(1000)] + [rnd.randrange(10 ** rnd.randint(6, 18)) for _ in range(3000)]
    values += [10**k for k in range(6, 18)] + [2 * 10**k for k in range(6, 18)] + [LIMIT - 1]
    for language in ("fr", "en"):
        differing = [v for v in values if _spell(v, language) != _spelled_by_num2words(v, language)]
        assert differing == [], f"{language}: first differences at {differing[:5]}"


@pytest.mark.parametrize("kind, written, shown", [
    ("siren", "852741966", "852 741 966"),
    ("siret", "85274196600018", "852 741 966 00018"),
    ("iban", "FR7630002009500000729451202", "FR76 3000 2009 5000 0072 9451 202"),
    ("iban", "fr76 3000 2009 5000 0072 9451 202", "FR76 3000 2009 5000 0072 9451 202"),
    ("iban", "GB29NWBK60161331926819", "GB29 NWBK 6016 1331 9268 19"),
    ("iban", "FR7630002009500000729451203", "FR7630002009500000729451203"),  # wrong check digits: as written
    ("siren", "852741967", "852741967"),
])
def test_registration_numbers_are_grouped_when_valid_and_shown_as_written_otherwise(kind, written, shown):
    assert formatting.registration_number(written, kind) == shown
