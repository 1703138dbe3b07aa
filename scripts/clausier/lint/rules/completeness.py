"""Completeness: each agreement covers every category its template requires, and the
essential elements of a service agreement (deliverables, exclusions, payment methods,
schedule, duration) are filled in: all of them for a template that keeps the default `needs:`,
only the sections it lists for one that says what it needs (an NDA needs no services)."""

from __future__ import annotations

from ...assemble import SPECIAL_CONDITIONS
from . import Rule


def check(context):
    repo = context.repo
    for agreement in context.agreements:
        plan = agreement.plan
        if plan is None:
            continue
        model = agreement.file.model
        present = {a.id for a in plan.articles} - {SPECIAL_CONDITIONS}
        covered = {repo.clauses[c].meta.category for c in present if c in repo.clauses}
        for category in plan.template.meta.requires:
            if category not in covered:
                yield agreement.finding(("clauses", "omit"), f"no clause covers '{category}', which template "
                                        f"{model.template!r} requires; put back the clause that covers it",
                                        rule="completeness")
        meta = plan.template.meta
        says = "needs" in meta.model_fields_set

        def wanted(section: str) -> bool:
            return not says or section in meta.needs

        services = model.services
        if wanted("services") and not services.deliverables and not services.tasks:
            yield agreement.finding(("services",), "the services list no tasks and no deliverables: say what is "
                                    "done and handed over", rule="completeness")
        if wanted("services") and not services.exclusions:
            yield agreement.finding(("services",), "no exclusions: say what the price does not include "
                                    "(services.exclusions)", "warning", "completeness")
        if wanted("payment") and not model.payment.methods:
            yield agreement.finding(("payment", "methods"), "no payment method: list at least one",
                                    rule="completeness")
        if model.fees and model.fees.model == "fixed" and not model.schedule:
            yield agreement.finding(("fees",), "a fixed price with no payment schedule: add `schedule:` "
                                    "instalments (e.g. 30 % on signature)", "warning", "completeness")
        term = model.term
        if wanted("term") and term.end is None and term.duration is None and term.renewal is None:
            yield agreement.finding(("term",), "no end date, duration or renewal: the contract would run "
                                    "indefinitely; set term.end or term.duration", "warning", "completeness")


RULE = Rule("completeness", "the agreement covers what its template and the essential checklist require", check)
