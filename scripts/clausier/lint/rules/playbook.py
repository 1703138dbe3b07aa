"""Playbook: every departure from the standard position is approved, by someone who may.

A non-standard clause variant needs an approval `{variant: clause/variant, by, on}`; a clause
parameter set outside its `standard:` range (clause.yml) needs `{parameter: clause.name, by,
on}`. When clausier.yml's `playbook.approvers` lists the people who hold the approval role a
variant names, `by` must be one of them. An approval that matches nothing in the agreement is
stale (a warning): the variant or value it approved has since changed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ...parameters import coerce_parameter
from . import Rule

RULE_ID = "playbook"


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def people_for(approvers: dict[str, list[str]], role: str) -> list[str]:
    """Who may give an approval role (an empty list: anyone)."""
    wanted = _key(role)
    for name, people in approvers.items():
        if _key(name) == wanted:
            return list(people)
    return []


def _number(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def outside_standard(parameter, value) -> str | None:
    """How a (coerced) value departs from the parameter's standard range, or None."""
    standard = parameter.standard
    if standard is None:
        return None
    if parameter.type in ("int", "decimal", "money"):
        number = _number(value)
        if number is None:
            return None
        if standard.min is not None and number < standard.min:
            return f"below the standard minimum {standard.min}"
        if standard.max is not None and number > standard.max:
            return f"above the standard maximum {standard.max}"
    if standard.choices is not None:
        items = value if isinstance(value, list) else [value]
        others = [str(v) for v in items if str(v) not in standard.choices]
        if others:
            return f"{', '.join(others)} not among the standard choices ({', '.join(standard.choices)})"
    return None


def _range(parameter) -> str:
    standard = parameter.standard
    parts = []
    if standard.min is not None:
        parts.append(f"min {standard.min}")
    if standard.max is not None:
        parts.append(f"max {standard.max}")
    if standard.choices is not None:
        parts.append(f"one of {', '.join(standard.choices)}")
    return ", ".join(parts)


def check(context):
    repo = context.repo
    config = repo.config
    if config is None:
        return
    playbook = config.playbook
    for agreement in context.agreements:
        if agreement.file is None or agreement.plan is None:
            continue  # the schema rule says why
        model = agreement.file.model
        plan = agreement.plan
        approvals = model.approvals
        used = [False] * len(approvals)

        for clause_id, variant in model.clauses.variants.items():
            clause = repo.clauses.get(clause_id)
            if variant == "standard" or clause is None or variant not in clause.meta.variants:
                continue
            if plan.find(clause_id) is None:
                continue
            name = f"{clause_id}/{variant}"
            role = clause.meta.variants[variant].approval
            matches = [i for i, a in enumerate(approvals) if a.variant is not None and _key(a.variant) == _key(name)]
            for i in matches:
                used[i] = True
            if not playbook.variants:
                continue
            if not matches:
                yield agreement.finding(("clauses", "variants", clause_id), f"variant {name} is not the standard "
                                        f"text: it needs the approval of {role}; add under approvals: "
                                        f"{{variant: {name}, by: <who approved>, on: <YYYY-MM-DD>}}",
                                        "error", RULE_ID)
                continue
            people = people_for(playbook.approvers, role)
            if people:
                for i in matches:
                    if _key(approvals[i].by) not in {_key(p) for p in people}:
                        yield agreement.finding(("approvals", i, "by"), f"{approvals[i].by} may not approve "
                                                f"{name}: the approval of {role} is given by {', '.join(people)} "
                                                "(playbook.approvers in clausier.yml)", "error", RULE_ID)

        for clause_id, values in model.clauses.parameters.items():
            clause = repo.clauses.get(clause_id)
            if clause is None or plan.find(clause_id) is None or not isinstance(values, dict):
                continue
            for name, raw in values.items():
                parameter = clause.meta.parameters.get(name)
                if parameter is None or parameter.standard is None:
                    continue
                try:
                    value = coerce_parameter(parameter, raw)
                except ValueError:
                    continue  # the schema rule reports it
                how = outside_standard(parameter, value)
                if how is None:
                    continue
                key = f"{clause_id}.{name}"
                matches = [i for i, a in enumerate(approvals) if a.parameter is not None and _key(a.parameter) == _key(key)]
                for i in matches:
                    used[i] = True
                if playbook.parameters and not matches:
                    yield agreement.finding(("clauses", "parameters", clause_id, name), f"{key} = {raw} is "
                                            f"{how} (standard: {_range(parameter)}): bring it back within the "
                                            f"standard, or add under approvals: {{parameter: {key}, "
                                            "by: <who approved>, on: <YYYY-MM-DD>}", "error", RULE_ID)

        for i, approval in enumerate(approvals):
            if used[i]:
                continue
            if approval.variant is None and approval.parameter is None:
                message = ("this approval names neither a variant (variant: clause/variant) nor a parameter "
                           "(parameter: clause.name); say what was approved")
            elif approval.variant is not None:
                message = (f"stale approval: variant {approval.variant} is not used by this agreement; remove the "
                           "approval, or choose that variant under clauses.variants")
            else:
                message = (f"stale approval: parameter {approval.parameter} is not set outside its standard range "
                           "in this agreement; remove the approval, or check the value it approved")
            yield agreement.finding(("approvals", i), message, "warning", RULE_ID)


RULE = Rule(RULE_ID, "non-standard variants and parameter values carry an approval from someone allowed to give it",
            check)
