"""Rule `money-dates`: currency, amounts, schedule totals, dates, notices and payment terms."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clausier.durations import Duration
from clausier.lint.rules.money_dates import add

from conftest import write
from textedit import edit, line_of, rule_findings

RULE = "money-dates"
SCHEDULE = """schedule:
  - {when: À la signature, percent: 30}
  - {when: Livraison de la maquette, percent: 40}
  - {when: Mise en ligne, percent: 30}
"""


def findings(root: Path, paths=None):
    return rule_findings(root, RULE, paths)


@pytest.fixture
def agreement(repo: Path) -> Path:
    return repo / "agreements/acme-fr.md"


def one(root: Path):
    found = findings(root)
    assert len(found) == 1, [str(f) for f in found]
    return found[0]


def test_the_mini_agreement_passes(repo):
    assert findings(repo) == []


# ---------------------------------------------------------------- currency and amounts


# A code that is no ISO 4217 code (EUX) is refused with the agreement itself, on its line:
# tests/test_currencies_and_messages.py.
@pytest.mark.parametrize("code, fragment", [("FRF", "'FRF' is an ISO 4217 code, but no country's money on 2026-12-01"),
                                            ("XXX", "'XXX' is an ISO 4217 code, but no country's money")])
def test_a_currency_outside_iso_4217_is_an_error(repo, agreement, code, fragment):
    edit(agreement, "currency: EUR", f"currency: {code}")
    finding = one(repo)
    assert (finding.level, finding.field, finding.line) == ("error", "fees.currency", line_of(agreement, "fees:"))
    assert fragment in finding.message


@pytest.mark.parametrize("code", ["USD", "CHF", "GBP"])
def test_iso_4217_currencies_pass(repo, agreement, code):
    edit(agreement, "currency: EUR", f"currency: {code}")
    assert findings(repo) == []


def test_a_negative_money_parameter_is_an_error(repo, agreement):
    meta = repo / "clauses/liability/clause.yml"
    edit(meta, "variants:", "parameters:\n  deductible:\n    type: money\n    default: \"500\"\n"
         "    label: {fr: Franchise, en: Deductible}\nvariants:")
    assert findings(repo) == []
    edit(agreement, "signature:", "clauses:\n  parameters:\n    liability: {deductible: -500}\nsignature:")
    finding = one(repo)
    assert (finding.level, finding.line) == ("error", line_of(agreement, "deductible: -500"))
    assert "liability.deductible is -500: an amount cannot be negative" in finding.message


# ---------------------------------------------------------------- schedule


@pytest.mark.parametrize("percents, total, how", [((30, 40, 29), "99", "1 % missing"),
                                                  ((30, 40, 31), "101", "1 % too much"),
                                                  (("33.3", "33.3", "33.3"), "99.9", "0.1 % missing")])
def test_a_schedule_in_percents_adds_up_to_exactly_100(repo, agreement, percents, total, how):
    edit(agreement, "percent: 30}\n  - {when: Livraison de la maquette, percent: 40}\n  - {when: Mise en ligne, percent: 30}",
         f"percent: {percents[0]}}}\n  - {{when: Livraison de la maquette, percent: {percents[1]}}}\n"
         f"  - {{when: Mise en ligne, percent: {percents[2]}}}")
    finding = one(repo)
    # At the last instalment (all three stay within 100 % until then), not the `schedule:` key: issue 20, item 13.
    assert (finding.level, finding.field, finding.line) == ("error", "schedule.2", line_of(agreement, "Mise en ligne"))
    assert f"add up to {total} %, not 100 % ({how})" in finding.message


def test_thirds_written_exactly_pass(repo, agreement):
    edit(agreement, SCHEDULE, "schedule:\n  - {when: Un, percent: 33.33}\n  - {when: Deux, percent: 33.33}\n"
         "  - {when: Trois, percent: 33.34}\n")
    assert findings(repo) == []


def test_a_schedule_in_amounts_adds_up_to_the_fixed_price(repo, agreement):
    edit(agreement, SCHEDULE, "schedule:\n  - {when: Un, amount: 3600}\n  - {when: Deux, amount: 4800}\n"
         "  - {when: Trois, amount: 3599.99}\n")
    finding = one(repo)
    assert finding.level == "error" and finding.line == line_of(agreement, "{when: Trois")
    assert "add up to 11999.99 EUR, not the fixed price of 12000 EUR (0.01 EUR missing)" in finding.message
    edit(agreement, "amount: 3599.99", "amount: 3600.00")
    assert findings(repo) == []


def test_a_mixed_schedule_is_converted_with_the_fee_exactly(repo, agreement):
    edit(agreement, SCHEDULE, "schedule:\n  - {when: Un, percent: 30}\n  - {when: Deux, amount: 4800}\n"
         "  - {when: Trois, amount: 3600}\n")
    assert findings(repo) == []  # 30 % of 12 000 = 3 600
    edit(agreement, "amount: 3600}", "amount: 3700}")
    finding = one(repo)
    assert "(amounts and percents) add up to 12100 EUR" in finding.message and "100 EUR too much" in finding.message


def test_rates_and_retainers_check_percent_schedules_only(repo, agreement):
    edit(agreement, "fees: {model: fixed, amount: 12000", "fees: {model: daily, amount: 800")
    edit(agreement, "percent: 30}\n  - {when: Livraison", "percent: 20}\n  - {when: Livraison")
    finding = one(repo)
    assert "add up to 90 %, not 100 %" in finding.message
    edit(agreement, SCHEDULE.replace("percent: 30}\n  - {when: Livraison", "percent: 20}\n  - {when: Livraison"),
         "schedule:\n  - {when: Chaque mois, amount: 800}\n")
    assert findings(repo) == []


# ---------------------------------------------------------------- dates and notices


def test_a_term_ending_before_it_starts_is_an_error(repo, agreement):
    edit(agreement, "term: {end: 2027-05-31}", "term: {start: 2027-06-01, end: 2027-05-31}")
    finding = one(repo)
    assert (finding.level, finding.field, finding.line) == ("error", "term.end", line_of(agreement, "term:"))
    assert "ends on 2027-05-31, before it starts on 2027-06-01" in finding.message


def test_an_effective_date_after_the_end_is_an_error(repo, agreement):
    edit(agreement, "effective_date: 2026-12-01", "effective_date: 2027-06-15")
    finding = one(repo)
    assert (finding.level, finding.field, finding.line) == ("error", "effective_date",
                                                            line_of(agreement, "effective_date:"))
    assert "takes effect on 2027-06-15, after its term ends on 2027-05-31" in finding.message


def test_a_one_day_term_is_fine(repo, agreement):
    edit(agreement, "term: {end: 2027-05-31}", "term: {start: 2027-05-31, end: 2027-05-31}")
    assert findings(repo) == []


@pytest.mark.parametrize("term, fragment", [
    ("{duration: 12 months, renewal: {period: 1 month, notice: 2 months}}", "not shorter than the renewal period"),
    ("{duration: 1 month, renewal: {period: 12 months, notice: 2 months}}", "not shorter than the initial term"),
    ("{end: 2027-01-30, renewal: {period: 12 months, notice: 2 months}}", "not shorter than the initial term"),
])
def test_a_renewal_notice_is_shorter_than_the_periods_it_cuts(repo, agreement, term, fragment):
    edit(agreement, "term: {end: 2027-05-31}", f"term: {term}")
    finding = one(repo)
    assert (finding.level, finding.field, finding.line) == ("error", "term.renewal.notice", line_of(agreement, "term:"))
    assert fragment in finding.message


def test_a_usual_renewal_passes(repo, agreement):
    edit(agreement, "term: {end: 2027-05-31}", "term: {duration: 12 months, renewal: {period: 12 months, notice: 2 months}}")
    assert findings(repo) == []


def _notice_parameter(repo: Path) -> None:
    meta = repo / "clauses/termination/clause.yml"
    edit(meta, "    label: {fr: Délai, en: Cure period}\n", "    label: {fr: Délai, en: Cure period}\n  notice:\n"
         "    type: duration\n    default: \"1 month\"\n    label: {fr: Préavis, en: Notice}\n")


def test_a_notice_parameter_as_long_as_the_contract_is_a_warning(repo, agreement):
    _notice_parameter(repo)
    assert findings(repo) == []  # 1 month in a contract from 2026-12-01 to 2027-05-31
    edit(agreement, "signature:", "clauses:\n  parameters:\n    termination: {notice: 6 months}\nsignature:")
    finding = one(repo)
    assert (finding.level, finding.line) == ("warning", line_of(agreement, "termination: {notice: 6 months}"))
    assert "termination.notice (6 months) is not shorter than the contract, in force from 2026-12-01 to 2027-05-31" \
        in finding.message


def test_a_default_notice_too_long_for_a_short_contract_is_reported_on_the_term(repo, agreement):
    _notice_parameter(repo)
    edit(agreement, "effective_date: 2026-12-01", "effective_date: 2027-05-15")
    finding = one(repo)
    assert (finding.level, finding.field, finding.line) == ("warning", "term", line_of(agreement, "term:"))
    assert "set a shorter clauses.parameters.termination.notice (default 1 month)" in finding.message


def test_a_notice_runs_from_the_effective_date_not_from_a_late_start(repo, agreement):
    _notice_parameter(repo)
    edit(agreement, "term: {end: 2027-05-31}", "term: {start: 2027-05-31, end: 2027-05-31}")
    assert findings(repo) == []  # signed in December for a one-day service in May: a month's notice works


def test_adding_months_keeps_the_end_of_the_month():
    assert add(dt.date(2027, 1, 31), Duration(1, "month")) == dt.date(2027, 2, 28)
    assert add(dt.date(2026, 12, 1), Duration(2, "year")) == dt.date(2028, 12, 1)
    assert add(dt.date(2026, 12, 1), Duration(3, "week")) == dt.date(2026, 12, 22)


# ---------------------------------------------------------------- payment terms


def test_payment_beyond_60_days_for_a_french_business_client_is_a_warning(repo, agreement):
    edit(agreement, "signature:", "payment: {due_days: 75}\nsignature:")
    finding = one(repo)
    assert (finding.level, finding.field, finding.line) == ("warning", "payment.due_days",
                                                            line_of(agreement, "payment: {due_days: 75}"))
    assert "due 75 days after the invoice" in finding.message
    assert "Code de commerce, art. L.441-10" in finding.message and "45 days end of month" in finding.message


@pytest.mark.parametrize("days", [30, 45, 60])
def test_payment_within_60_days_passes(repo, agreement, days):
    edit(agreement, "signature:", f"payment: {{due_days: {days}}}\nsignature:")
    assert findings(repo) == []


def test_long_payment_terms_for_a_consumer_are_not_this_rule(repo, agreement):
    edit(agreement, "  form: SARL\n", "  kind: consumer\n")
    edit(agreement, "signature:", "payment: {due_days: 75}\nsignature:")
    assert findings(repo) == []


def test_long_payment_terms_under_another_law_pass(repo, agreement):
    write(repo, "clauses/law/clause.yml", "category: law\nversion: 1.0.0\n")
    for lang, text in (("fr", "Le Contrat est régi par le droit irlandais."), ("en", "The Agreement is governed by Irish law.")):
        write(repo, f"clauses/law/{lang}.md", f"---\ntitle: Droit\nsummary: s\nguidance: {{when: w, negotiation: n, "
              f"risks: r}}\n---\n{text}\n")
    template = repo / "templates/mini.md.j2"
    edit(template, "  - termination\n", "  - termination\n  - law\n")
    edit(agreement, "signature:", "payment: {due_days: 75}\nsignature:")
    assert findings(repo) == []
    edit(repo / "clauses/law/fr.md", "droit irlandais", "droit français")
    assert "L.441-10" in one(repo).message
