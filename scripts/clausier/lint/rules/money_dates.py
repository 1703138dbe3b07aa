"""Money and dates: the figures of an agreement add up and its dates follow each other.

An ISO 4217 currency; positive amounts; a payment schedule that adds up exactly to 100 % or
to the fixed price (Decimal arithmetic, never binary floats); a term that ends after it starts
and after the effective date; notice periods shorter than the periods they cut short; and
payment terms within the French legal maximum between businesses (a warning citing
Code de commerce, art. L.441-10).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal, localcontext
from functools import lru_cache

from babel.core import get_global
from babel.numbers import get_territory_currencies, list_currencies

from ...assemble import SPECIAL_CONDITIONS
from ...currencies import suggestions
from ...durations import Duration
from . import Rule

RULE_ID = "money-dates"
LEGAL_MAX_DAYS = 60  # Code de commerce, art. L.441-10 (business to business, from the invoice date)
HUNDRED = Decimal(100)

_FRENCH_LAW = re.compile(r"droit français|loi française|French law|laws? of France", re.IGNORECASE)


def add(date: dt.date, duration: Duration) -> dt.date:
    """The date `duration` after `date`; months end on the last day when shorter (31 Jan + 1 month = 28 Feb)."""
    if duration.unit == "day":
        return date + dt.timedelta(days=duration.amount)
    if duration.unit == "week":
        return date + dt.timedelta(weeks=duration.amount)
    months = duration.amount * (12 if duration.unit == "year" else 1)
    year, month = divmod(date.month - 1 + months, 12)
    year += date.year
    day = min(date.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day)


def plain(number: Decimal) -> str:
    """A Decimal as people write it: 12000, 99.5 (no exponent, no trailing zeros)."""
    text = format(number.normalize(), "f")
    return text


@lru_cache(maxsize=64)
def currencies_in_use(on: dt.date) -> frozenset[str]:
    """The currencies that are legal tender somewhere on a date (CLDR, through Babel)."""
    in_use: set[str] = set()
    for territory in get_global("territory_currencies"):
        in_use.update(get_territory_currencies(territory, on))
    return frozenset(in_use)


def _currency_findings(agreement, model):
    if model.fees is None:  # a template that does not need fees (`needs:`)
        return
    code = model.fees.currency
    in_use = currencies_in_use(model.effective_date)
    if code in in_use:
        return
    if code not in set(list_currencies()):  # the model refuses these first; kept for a model built by hand
        hint = suggestions(code)
        message = f"{code!r} is not an ISO 4217 currency code" + (f" (did you mean {', '.join(hint)}?)" if hint else "")
    else:
        message = (f"{code!r} is an ISO 4217 code, but no country's money on {model.effective_date.isoformat()} "
                   "(a withdrawn currency, or a code for tests, metals or no currency)")
    yield agreement.finding(("fees", "currency"), f"{message}; write the three-letter code of the price's "
                            "currency, e.g. EUR, USD, GBP, CHF", "error", RULE_ID)


def _amount_findings(agreement, model, plan, repo):
    fees = model.fees
    if fees is not None and fees.amount <= 0:
        yield agreement.finding(("fees", "amount"), f"the fee is {plain(fees.amount)}: write a positive amount",
                                "error", RULE_ID)
    if fees is not None and fees.estimate is not None and fees.estimate <= 0:
        yield agreement.finding(("fees", "estimate"), f"the estimate is {plain(fees.estimate)}: write a positive "
                                "number of days or hours, or leave it out", "error", RULE_ID)
    for index, milestone in enumerate(model.schedule):
        for name in ("percent", "amount"):
            value = getattr(milestone, name)
            if value is not None and value <= 0:
                yield agreement.finding(("schedule", index, name), f"instalment {index + 1} ({milestone.when}) has "
                                        f"{name} {plain(value)}: write a positive value or remove the instalment",
                                        "error", RULE_ID)
    if plan is None:
        return
    given = model.clauses.parameters
    for clause_id, name, value, parameter in _clause_parameters(repo, plan):
        if parameter.type != "money" or not isinstance(value, Decimal) or value >= 0:
            continue
        path = ("clauses", "parameters", clause_id, name) if name in given.get(clause_id, {}) else ("clauses",)
        yield agreement.finding(path, f"amount {clause_id}.{name} is {plain(value)}: an amount cannot be "
                                "negative; write a positive value", "error", RULE_ID)


def _schedule_findings(agreement, model):
    schedule, fees = model.schedule, model.fees
    if not schedule or fees is None:
        return
    currency = fees.currency
    with localcontext() as exact:
        exact.prec = 60  # percents of a fee: exact at any realistic size
        percents = [m.percent for m in schedule if m.percent is not None]
        amounts = [m.amount for m in schedule if m.amount is not None]
        if not amounts:
            total = sum(percents, Decimal(0))
            if total != HUNDRED:
                gap = HUNDRED - total
                how = f"{plain(gap)} % missing" if gap > 0 else f"{plain(-gap)} % too much"
                at = _instalment_to_correct(percents, HUNDRED)
                yield agreement.finding(("schedule", at), f"the instalments add up to {plain(total)} %, not 100 % "
                                        f"({how}): correct the percents so that they add up to 100", "error", RULE_ID)
            return
        if fees.model != "fixed":
            return  # a rate or a retainer has no total to add up to
        total = sum(amounts, Decimal(0)) + sum(percents, Decimal(0)) * fees.amount / HUNDRED
        if total != fees.amount:
            gap = fees.amount - total
            how = f"{plain(gap)} {currency} missing" if gap > 0 else f"{plain(-gap)} {currency} too much"
            kind = "amounts" if not percents else "amounts and percents"
            shares = [m.amount if m.amount is not None else m.percent * fees.amount / HUNDRED for m in schedule]
            at = _instalment_to_correct(shares, fees.amount)
            yield agreement.finding(("schedule", at), f"the instalments ({kind}) add up to {plain(total)} {currency}, "
                                    f"not the fixed price of {plain(fees.amount)} {currency} ({how}): correct the "
                                    "instalments or fees.amount", "error", RULE_ID)


def _instalment_to_correct(shares: list[Decimal], whole: Decimal) -> int:
    """The instalment a wrong total points at: the one that takes it past the whole, else the last."""
    running = Decimal(0)
    for index, share in enumerate(shares):
        running += share
        if running > whole:
            return index
    return len(shares) - 1


def _term_end(term, start: dt.date) -> dt.date | None:
    """The first day after the initial term, or None for a contract without end."""
    if term.end is not None:
        return term.end + dt.timedelta(days=1)
    if term.duration is not None:
        return add(start, term.duration)
    return None


def _date_findings(agreement, model, plan, repo):
    term = model.term
    start = term.start or model.effective_date
    if term.end is not None:
        if term.start is not None and term.start > term.end:
            yield agreement.finding(("term", "end"), f"the term ends on {term.end.isoformat()}, before it starts on "
                                    f"{term.start.isoformat()}: correct term.start or term.end", "error", RULE_ID)
        if model.effective_date > term.end:
            yield agreement.finding(("effective_date",), f"the agreement takes effect on "
                                    f"{model.effective_date.isoformat()}, after its term ends on "
                                    f"{term.end.isoformat()}: correct effective_date or term.end", "error", RULE_ID)
    end = _term_end(term, start)
    renewal = term.renewal
    if renewal is not None:
        if add(start, renewal.notice) >= add(start, renewal.period):
            yield agreement.finding(("term", "renewal", "notice"), f"the notice not to renew ({renewal.notice}) is "
                                    f"not shorter than the renewal period ({renewal.period}): the contract could "
                                    "never be stopped in time; shorten term.renewal.notice", "error", RULE_ID)
        if end is not None and add(start, renewal.notice) >= end:
            yield agreement.finding(("term", "renewal", "notice"), f"the notice not to renew ({renewal.notice}) is "
                                    "not shorter than the initial term: it would expire after the term ends; "
                                    "shorten term.renewal.notice or lengthen the term", "error", RULE_ID)
    if plan is None or end is None:
        return
    # A notice in a clause runs while the contract is in force: from the effective date (or the
    # start, when earlier) to the end of the initial term.
    begin = min(start, model.effective_date)
    given = model.clauses.parameters
    for clause_id, name, value, parameter in _clause_parameters(repo, plan):
        if parameter.type != "duration" or "notice" not in name:
            continue
        if isinstance(value, Duration) and add(begin, value) >= end:
            set_here = name in given.get(clause_id, {})
            path = ("clauses", "parameters", clause_id, name) if set_here else ("term",)
            fix = (f"shorten clauses.parameters.{clause_id}.{name}" if set_here else
                   f"set a shorter clauses.parameters.{clause_id}.{name} (default {value})")
            yield agreement.finding(path, f"the notice {clause_id}.{name} ({value}) is not shorter than the "
                                    f"contract, in force from {begin.isoformat()} to "
                                    f"{(end - dt.timedelta(days=1)).isoformat()}: it could never be given in "
                                    f"time; {fix} or lengthen the term", "warning", RULE_ID)


def _clause_parameters(repo, plan):
    """(clause id, name, value, declared parameter) for each parameter value the plan uses."""
    for clause_id, values in plan.parameters.items():
        clause = repo.clauses.get(clause_id)
        if clause is None:
            continue
        for name, value in values.items():
            parameter = clause.meta.parameters.get(name)
            if parameter is not None:
                yield clause_id, name, value, parameter


def _french_law(repo, model, plan) -> bool:
    """Whether the agreement is under French law: its law clause says so or, without one,
    the provider is established in France (Rome I, art. 4(1)(b): the provider's law)."""
    if plan is not None:
        for article in plan.articles:
            clause = repo.clauses.get(article.id)
            if clause is None or article.id == SPECIAL_CONDITIONS or clause.meta.category != "law":
                continue
            text = clause.texts.get((article.variant, plan.language)) or clause.texts.get(("standard", plan.language))
            return bool(text and _FRENCH_LAW.search(text.body))
    provider = model.provider or (repo.config.organisation if repo.config else None)
    if provider is None:
        return False
    registration = provider.registration
    return bool(registration.siren or registration.siret or (registration.vat or "").upper().startswith("FR"))


def _payment_findings(agreement, model, plan, repo):
    days = model.payment.due_days
    if days <= LEGAL_MAX_DAYS or model.client.kind != "business" or not _french_law(repo, model, plan):
        return
    yield agreement.finding(("payment", "due_days"), f"payment is due {days} days after the invoice: between "
                            f"businesses under French law the term may not exceed {LEGAL_MAX_DAYS} days from the "
                            "invoice date, or 45 days end of month if agreed (Code de commerce, art. L.441-10); "
                            f"set payment.due_days to {LEGAL_MAX_DAYS} or less", "warning", RULE_ID)


def check(context):
    repo = context.repo
    for agreement in context.agreements:
        if agreement.file is None:
            continue
        model = agreement.file.model
        plan = agreement.plan
        yield from _currency_findings(agreement, model)
        yield from _amount_findings(agreement, model, plan, repo)
        yield from _schedule_findings(agreement, model)
        yield from _date_findings(agreement, model, plan, repo)
        yield from _payment_findings(agreement, model, plan, repo)


RULE = Rule(RULE_ID, "currency, amounts, payment schedule, dates, notice periods and payment terms add up", check)
