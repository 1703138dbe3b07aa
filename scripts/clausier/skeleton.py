"""`clausier new`: a complete agreement skeleton, every field present and commented."""

from __future__ import annotations

import datetime as dt
import json

from .repository import Repository

_TEXT = {
    "fr": {
        "client_name": "Nom de la société cliente",
        "address": "1 rue de l'Exemple, 75001 Paris",
        "rep_name": "Prénom Nom",
        "rep_title": "Gérant",
        "description": "Description en une phrase des prestations",
        "task": "Tâche réalisée par le Prestataire",
        "deliverable": "Livrable remis au Client",
        "exclusion": "Ce qui n'est pas compris dans le prix",
        "provides": "Ce que le Client fournit (contenus, accès…)",
        "when1": "à la signature",
        "when2": "à la livraison",
        "place": "Paris",
        "body": "Conditions particulières propres à ce contrat (facultatif : supprimez ce texte s'il n'y en a pas).",
    },
    "en": {
        "client_name": "Client company name",
        "address": "1 Example Street, London EC1A 1AA, United Kingdom",
        "rep_name": "First Last",
        "rep_title": "Director",
        "description": "One-sentence description of the services",
        "task": "Task performed by the Provider",
        "deliverable": "Deliverable handed to the Client",
        "exclusion": "What the price does not include",
        "provides": "What the Client supplies (content, access…)",
        "when1": "on signature",
        "when2": "on delivery",
        "place": "London",
        "body": "Special conditions for this agreement (optional: delete this text if there are none).",
    },
}


def skeleton(repo: Repository, template: str, language: str, agreement_id: str, today: dt.date) -> str:
    """The text of a new agreement file; it validates and builds as it stands."""
    t = _TEXT.get(language, _TEXT["en"])  # a language the library adds: English placeholders to replace
    meta = repo.templates[template].meta
    languages = ", ".join(repo.template_languages(repo.templates[template]))
    optional = [s.id for s in meta.slots() if s.optional]
    variants = {c: repo.clauses[c].variants()[1:] for c in [s.id for s in meta.slots()] if c in repo.clauses}
    variant_lines = "".join(
        f"  #   {c}: {', '.join(v)}\n" for c, v in sorted(variants.items()) if v
    ) or "  #   (none)\n"
    required = _required_parameters(repo, meta, language)
    start = today + dt.timedelta(days=7)
    end = dt.date(start.year + 1, start.month, 1) - dt.timedelta(days=1)
    return f"""---
# Agreement {agreement_id}: fill every field, then run `make pdf`.
# Full reference of the fields: README.md, section "Agreement files".
id: {agreement_id}                  # must equal the file name without .md
template: {template}                # contract type: a file templates/<name>.md.j2
language: {language}                          # one of: {languages}
status: draft                         # draft, review or signed
version: 1                            # shown in the running header; raise it at each revision sent to the client
# reference: "2026-014"               # shown on every page (default: the id)
# provider: …                         # default: the organisation in clausier.yml

client:
  name: {t['client_name']}     # legal name, exactly as registered
  form: SAS                           # legal form (SAS, SARL, Ltd…)
  kind: business                      # business or consumer
  registration:
    siren: "732829320"                # 9-digit SIREN (France); or company_number elsewhere
    rcs: Paris                        # city of the trade register
    vat: FR44732829320                # EU VAT number
  address: {t['address']}   # registered office
  representative:
    name: {t['rep_name']}                  # who signs
    title: {t['rep_title']}                    # in which capacity
  email: contact@example.com          # for notices

effective_date: {start.isoformat()}           # the contract takes effect on this date
term:
  start: {start.isoformat()}                  # start of the services (default: effective_date)
  end: {end.isoformat()}                    # end date; or `duration: 12 months` instead
  # renewal: {{ period: 12 months, notice: 2 months }}   # tacit renewal, if wanted

services:
  description: {t['description']}
  tasks:                              # what the Provider does
    - {t['task']}
  deliverables:                       # what the Client receives
    - {t['deliverable']}
  exclusions:                         # what is not included
    - {t['exclusion']}
  client_provides:                    # what the Client supplies
    - {t['provides']}
  # location: …                       # where the services are performed

fees:
  model: fixed                        # fixed, daily, hourly or retainer
  amount: 10000                       # fixed price, or the daily/hourly rate, or the monthly retainer
  currency: EUR                       # ISO 4217 code
  tax: excluded                       # amounts before VAT (excluded) or including it
  expenses: none                      # none, included or reimbursed
  # estimate: 20                      # estimated days or hours (rate models)

schedule:                             # instalments: percent of the price, or amount
  - {{ when: {t['when1']}, percent: 30 }}
  - {{ when: {t['when2']}, percent: 70 }}

payment:
  due_days: 30                        # days from invoice (French B2B maximum: 60)
  methods: [bank_transfer]            # bank_transfer, card, direct_debit, online, cheque

signature:
  place: {t['place']}                        # where it is signed (leave out for an electronic signature)
  # date: {start.isoformat()}

clauses:
  omit: []                            # optional clauses to leave out: {', '.join(optional) or 'none'}
  add: []                             # extra clauses from clauses/
  variants: {{}}                        # clause: variant, e.g. liability: fallback-1; available:
{variant_lines}{required}{_terms(meta, language)}

approvals: []                         # for non-standard variants: - {{ variant: liability/fallback-1, by: Name, on: {today.isoformat()} }}
---
{t['body']}
"""


def _terms(meta, language: str) -> str:
    """The template's key terms, each set to its default (or a sample when it has none)."""
    from .parameters import choice_label, has_labels, term_help
    from .specimens import sample_value

    lines = []
    for name, term in meta.terms.items():
        if term_help(term, language):  # what to set, above the term
            lines.append(term_help(term, language, lead="  # "))
        value = json.dumps(sample_value(term, language) if term.default is None else term.default,
                           ensure_ascii=False, default=str)
        choices = f": {', '.join(term.choices)}" if term.choices else ""
        needed = "required: " if term.default is None else ""
        lines.append(f"  {name}: {value}    # {needed}{term.label[language]}{choices}")
        if has_labels(term):  # what each key means, in the agreement's language
            lines += [f"  #   {key} — {choice_label(term, key, language)}" for key in term.choices]
    return "\n\nterms:                                # values every clause reads, set once\n" + "\n".join(lines) \
        if lines else ""


def _required_parameters(repo: Repository, meta, language: str) -> str:
    """The `parameters:` block: parameters without a default must be given, so they are written out."""
    from .specimens import sample_value

    lines = []
    clause_ids = [s.id for s in meta.slots()] + list(meta.preamble) + list(meta.closing)
    for clause_id in clause_ids:
        clause = repo.clauses.get(clause_id)
        if clause is None:
            continue
        needed = {n: p for n, p in clause.meta.parameters.items()
                  if p.default is None and n not in meta.parameters.get(clause_id, {})}
        if needed:
            lines.append(f"    {clause_id}:")
            for name, parameter in needed.items():
                value = json.dumps(sample_value(parameter, language), ensure_ascii=False, default=str)
                lines.append(f"      {name}: {value}    # required: {parameter.label[language]}")
    if not lines:
        return "  parameters: {}                      # clause: {parameter: value}, e.g. acceptance: {review_days: 15}"
    return "  parameters:                         # clause: {parameter: value}; these have no default\n" + "\n".join(lines)
