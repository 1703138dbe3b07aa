"""Issue 20, items 12 and 13: any ISO 4217 currency in figures and in words, and messages that
say what to write, at the place to write it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from clausier.currencies import names, suggestions
from clausier.formatting import money, words
from clausier.lint import run_checks
from clausier.lint.rules.money_dates import currencies_in_use

from conftest import many_agreements
from textedit import col_of, edit, line_of

IN_USE = sorted(currencies_in_use(dt.date(2026, 12, 1)))
AGREEMENT = "agreements/acme-fr.md"


def errors(root: Path) -> list[str]:
    return [str(f) for f in run_checks(root) if f.level == "error"]


def warnings(root: Path, rule: str):
    return [f for f in run_checks(root) if f.rule == rule]


# ---------------------------------------------------------------- item 12: every currency


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("code", IN_USE)
def test_every_currency_in_use_formats_and_is_written_in_words(code, language):
    assert len(IN_USE) > 100  # the test really walks CLDR's list
    figure = money(Decimal("1234.5"), code, language)
    assert any(ch.isdigit() for ch in figure)
    try:
        (one, many), minor, decimals = names(code, language)
    except ValueError as exc:  # the only other outcome: a clear error naming the language
        assert f"no words for currency '{code}' in" in str(exc) and f"({language})" in str(exc)
        return
    assert code not in (one, many)  # a real name, not Babel's fallback to the code
    singular, plural = words(1, code, language), words(2, code, language)
    assert singular.endswith(" " + one) and plural.endswith(" " + many), (singular, plural)
    million = words(1_000_000, code, language)
    if language == "fr":
        article = "d'" if many[0].lower() in "aeiouàâéèêîïôû" else "de "
        assert million == f"un million {article}{many}"
    else:
        assert million == f"one million {many}"
    with_fraction = words(Decimal("12000.5"), code, language)
    if decimals:
        joiner = " et " if language == "fr" else " and "
        assert f" {many}{joiner}" in with_fraction and minor[1] in with_fraction, with_fraction
    else:  # no minor unit: rounded as the figure is
        assert with_fraction.endswith(" " + many) and " et " not in with_fraction and " and " not in with_fraction


@pytest.mark.parametrize("amount, code, language, expected", [
    ("5000", "SEK", "en", "five thousand Swedish kronor"),
    ("5000", "SEK", "fr", "cinq mille couronnes suédoises"),
    ("1", "SEK", "fr", "une couronne suédoise"),
    ("21", "GBP", "fr", "vingt et une livres sterling"),
    ("1000000", "EUR", "fr", "un million d'euros"),
    ("2000000", "SEK", "fr", "deux millions de couronnes suédoises"),
    ("1000000", "JPY", "fr", "un million de yens japonais"),
    ("3", "KWD", "fr", "trois dinars koweïtiens"),  # CLDR writes « dinar koweïtiens »
    ("2.5", "KWD", "en", "two Kuwaiti dinars and five hundred thousandths"),
    ("12000.5", "JPY", "en", "twelve thousand Japanese yen"),  # ¥12,000 in figures too
    ("10.05", "SEK", "en", "ten Swedish kronor and five öre"),
    ("12000", "EUR", "fr", "douze mille euros"),  # the five old currencies keep their words
    ("2", "USD", "en", "two dollars"),
])
def test_words_take_the_right_number_and_gender(amount, code, language, expected):
    assert words(Decimal(amount), code, language) == expected


def test_a_currency_without_a_name_is_a_clear_error():
    with pytest.raises(ValueError, match=r"no words for currency 'EUX' in French \(fr\)"):
        names("EUX", "fr")


def test_suggestions_rank_the_common_currencies_first():
    assert suggestions("UKP")[0] == "GBP"  # not the Falkland pound
    assert suggestions("EUX") == ["EUR"]
    assert suggestions("SKE")[0] == "SEK"


def test_any_currency_builds_with_its_name_in_words(repo):
    from clausier.build import build

    agreement = repo / AGREEMENT
    edit(agreement, "currency: EUR", "currency: SEK")
    assert errors(repo) == []
    assert build(repo, formats=["md"]).ok
    text = (repo / "build/acme-fr/acme-fr.md").read_text(encoding="utf-8")
    assert "douze mille couronnes suédoises" in text


def test_an_unknown_currency_is_refused_on_its_line_with_gbp_first(repo):
    agreement = repo / AGREEMENT
    edit(agreement, "currency: EUR", "currency: UKP")
    place = f"{AGREEMENT}:{line_of(agreement, 'currency: UKP')}:{col_of(agreement, 'UKP')}"
    assert errors(repo) == [f"{place}: error: 'UKP' is not an ISO 4217 currency code (did you mean GBP, FKP?); "
                            "write the three-letter code of the price's currency, e.g. EUR, USD, GBP, CHF "
                            "(fees.currency)"]  # nothing from clauses/fees/*.md


# ---------------------------------------------------------------- item 13: messages that teach


def test_a_lowercase_currency_says_what_to_write(repo):
    agreement = repo / AGREEMENT
    edit(agreement, "currency: EUR", "currency: gbp")
    place = f"{AGREEMENT}:{line_of(agreement, 'currency: gbp')}:{col_of(agreement, 'gbp')}"
    assert errors(repo) == [f"{place}: error: currency codes are written in capitals: write GBP (fees.currency)"]


@pytest.mark.parametrize("written, expected", [
    ("01/12/2026", "'01/12/2026' is not in the form YYYY-MM-DD: write 2026-12-01 if you mean 1 December 2026"),
    ("2026-02-30", "'2026-02-30' is not a date (February 2026 has no day 30): write an existing date as "
                   "YYYY-MM-DD, e.g. 2026-12-01"),
    ("2026-31-12", "'2026-31-12' is not a date (there is no month 31; the month comes second): write an existing "
                   "date as YYYY-MM-DD, e.g. 2026-12-01"),
    ("demain", "'demain' is not a date: write it as YYYY-MM-DD (year, month, day), e.g. 2026-12-01"),
])
def test_a_date_in_another_format_says_to_write_yyyy_mm_dd(repo, written, expected):
    agreement = repo / AGREEMENT
    edit(agreement, "effective_date: 2026-12-01", f"effective_date: {written}")
    place = f"{AGREEMENT}:{line_of(agreement, 'effective_date:')}:{col_of(agreement, written)}"
    assert errors(repo) == [f"{place}: error: {expected} (effective_date)"]


def test_a_schedule_error_points_at_the_instalment_line(repo):
    agreement = repo / AGREEMENT
    edit(agreement, "{when: Livraison de la maquette, percent: 40}", "{when: Livraison de la maquette, percent: 80}")
    # 30 + 80 passes 100 % at the second instalment: that is the line to correct.
    place = f"{AGREEMENT}:{line_of(agreement, 'Livraison de la maquette')}:{col_of(agreement, '{when: Livraison')}"
    (found,) = errors(repo)
    assert found.startswith(f"{place}: error: the instalments add up to 140 %, not 100 % (40 % too much)")


def test_a_schedule_short_of_the_total_points_at_the_last_instalment(repo):
    agreement = repo / AGREEMENT
    edit(agreement, "{when: Mise en ligne, percent: 30}", "{when: Mise en ligne, percent: 10}")
    (found,) = errors(repo)
    assert found.startswith(f"{AGREEMENT}:{line_of(agreement, 'Mise en ligne')}:{col_of(agreement, '{when: Mise')}: "
                            "error: the instalments add up to 80 %")


def test_omitting_an_unknown_clause_suggests_the_closest_optional_one(repo):
    agreement = repo / AGREEMENT
    edit(agreement, "signature: {place", "clauses:\n  omit: [non-solicitaton]\nsignature: {place")
    place = f"{AGREEMENT}:{line_of(agreement, 'omit:')}:{col_of(agreement, 'non-solicitaton')}"
    assert errors(repo) == [f"{place}: error: cannot omit 'non-solicitaton': template 'mini' has no such clause "
                            "(did you mean 'non-solicitation'?); optional clauses: non-solicitation "
                            "(clauses.omit.0)"]  # not the required purpose, fees, liability…


def test_defined_terms_point_at_the_clause_file_and_line(repo):
    clause = repo / "clauses/liability/fr.md"
    edit(clause, "plafonnée au prix payé.", "plafonnée au prix payé (ci-après le « Plafond »).")
    (finding,) = warnings(repo, "defined-terms")
    assert str(finding).startswith(f"clauses/liability/fr.md:{line_of(clause, 'Plafond')}:"
                                   f"{col_of(clause, '« Plafond »')}: warning: term “Plafond” is defined in "
                                   "Article 3 — Responsabilité but never used")
    assert "assembled Markdown" not in finding.message and "(in agreements/acme-fr.md)" in finding.message


def test_a_clause_error_met_by_several_agreements_is_told_once_naming_them(repo):
    """One broken line in a clause: one finding listing where it was read (the agreements and the
    library's specimens), not one line per agreement."""
    many_agreements(repo, 4)
    clause = repo / "clauses/liability/fr.md"
    clause.write_text(clause.read_text(encoding="utf-8") + "\n{{ ref('nowhere') }}\n", encoding="utf-8")
    line = len(clause.read_text(encoding="utf-8").splitlines())
    at_line = [e for e in errors(repo) if e.startswith(f"clauses/liability/fr.md:{line}:")]
    read_in = [e for e in at_line if "(in " in e]
    assert len(read_in) == 1, at_line
    (told,) = read_in
    assert "clause 'nowhere' does not exist" in told
    # the agreements first (acme-fr and the French copy client-02), then the rest counted
    assert "(in agreements/acme-fr.md, agreements/client-02.md and 2 specimens)" in told
