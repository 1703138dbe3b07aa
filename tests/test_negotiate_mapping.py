"""`clausier negotiate`: each returned change mapped (parameter, field, variant, free text,
structure), judged against the playbook, reported and applied (issue 25 items 3-5).

The mapping runs on the project's own library and examples, read only; the changes are built by
hand as the reader gives them (tests/test_negotiate_reading.py tests the reading), and one test
runs the whole command on a DOCX we build, edited the way Word writes tracked changes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import shutil
import subprocess
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clausier.cli import main
from clausier.durations import Duration
from clausier.negotiate.apply import apply, with_values
from clausier.negotiate.changes import Change, Negotiation
from clausier.negotiate.mapping import SentText, map_changes, paragraphs
from clausier.negotiate.report import as_json, as_markdown, as_text
from clausier.repository import load_agreement, load_repository

from negotiate_edits import Returned

PROJECT = Path(__file__).resolve().parents[1]
FR, EN = "agreements/2026-014-atelier-lumiere.md", "agreements/2026-021-harbour-light.md"


@pytest.fixture(scope="module")
def library():
    return load_repository(PROJECT)


@pytest.fixture(scope="module")
def sent_fr(library):
    return SentText(library, load_agreement(library, PROJECT / FR))


@pytest.fixture(scope="module")
def sent_en(library):
    return SentText(library, load_agreement(library, PROJECT / EN))


def paragraph(sent: SentText, article: str, start: str) -> str:
    return next(p.text for p in sent.view(sent.plan.find(article)) if p.text.startswith(start))


def edit(sent: SentText, article: str, start: str, old: str, new: str, **more) -> Change:
    text = paragraph(sent, article, start)
    assert old in text
    return Change(kind=more.pop("kind", "replace"), article=article, old_text=old, new_text=new,
                  context=text.replace(old, new, 1), sent_paragraph=text, author="Claire Martin",
                  date="2026-12-03T10:00:00Z", **more)


def meaning(sent: SentText, change: Change):
    [found] = map_changes(sent.repo, sent.agreement, [change])
    return found


# ---------------------------------------------------------------- parameters and fields


def test_a_parameter_within_its_range_is_standard_and_applicable(sent_fr):
    found = meaning(sent_fr, edit(sent_fr, "termination", "Si le manquement", "30", "45"))
    assert (found.kind, found.target, found.old_value, found.new_value) == ("parameter", "termination.cure_days", 30, 45)
    assert (found.decision, found.applicable) == ("standard", True)


def test_a_parameter_outside_its_standard_needs_an_approval(sent_fr):
    found = meaning(sent_fr, edit(sent_fr, "acceptance", "Le Client vérifie", "15", "20"))
    assert (found.target, found.new_value, found.decision) == ("acceptance.review_days", 20, "needs-approval")
    assert "approvals: {parameter: acceptance.review_days" in found.reason


def test_a_parameter_outside_min_max_is_refused_with_the_reason(sent_fr):
    found = meaning(sent_fr, edit(sent_fr, "termination", "Si le manquement", "30", "120",
                                  comment="Nous avons besoin de plus de temps"))
    assert (found.target, found.new_value, found.decision, found.applicable) == \
        ("termination.cure_days", 120, "refused", False)
    assert "above the maximum 90" in found.reason


def test_words_that_do_not_parse_are_refused(sent_fr):
    found = meaning(sent_fr, edit(sent_fr, "termination", "Si le manquement", "30", "quelques"))
    assert (found.kind, found.decision) == ("parameter", "refused")
    assert "quelques" in found.reason and "whole number" in found.reason


def test_numbers_in_words_and_durations_in_the_agreement_language(sent_fr, sent_en):
    assert meaning(sent_fr, edit(sent_fr, "termination", "Si le manquement", "30", "quarante-cinq")).new_value == 45
    notice = meaning(sent_fr, edit(sent_fr, "termination", "Chaque Partie peut", "1 mois", "trois mois"))
    assert (notice.target, notice.new_value) == ("termination.notice", Duration(3, "month"))
    cure = meaning(sent_en, edit(sent_en, "termination", "If the breach", "30", "forty-five"))
    assert (cure.target, cure.new_value) == ("termination.cure_days", 45)


def test_front_matter_fields_dates_and_amounts(sent_fr, sent_en):
    due = meaning(sent_fr, edit(sent_fr, "payment-schedule", "Les factures sont payables", "30 jours", "45 jours"))
    assert (due.kind, due.target, due.old_value, due.new_value) == ("field", "payment.due_days", 30, 45)
    assert due.decision == "needs-approval" and due.applicable
    start = meaning(sent_fr, edit(sent_fr, "duration", "Le Contrat entre en vigueur", "1er décembre 2026",
                                  "15 janvier 2027"))
    assert (start.target, start.new_value) == ("effective_date", dt.date(2027, 1, 15))
    price = meaning(sent_fr, edit(sent_fr, "fees", "En contrepartie", "12 000,00", "11 500,00"))
    assert (price.target, price.new_value) == ("fees.amount", Decimal("11500"))
    days = meaning(sent_en, edit(sent_en, "payment-schedule", "Invoices are payable", "30", "400"))
    assert (days.target, days.decision) == ("payment.due_days", "refused")  # the model allows 0 to 365


def test_other_changes_in_the_same_paragraph_do_not_hide_a_value(sent_fr):
    change = edit(sent_fr, "termination", "Si le manquement", "30", "45")
    change = replace(change, context=change.context.replace("de plein droit", "après décision du juge"))
    found = meaning(sent_fr, change)
    assert (found.target, found.new_value) == ("termination.cure_days", 45)


# ---------------------------------------------------------------- variants, free text, structure


def test_an_article_returned_as_an_approved_fallback_is_that_variant(sent_en, library):
    """Harbour Light uses the standard termination: the client rewrites it into fallback-1."""
    article = sent_en.plan.find("termination")
    fallback = [t for _, t in paragraphs(sent_en.markdown(replace(article, variant="fallback-1")))]
    sent = [p.text for p in sent_en.view(article)]
    changes = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, sent, fallback).get_opcodes():
        for k in range(max(i2 - i1, j2 - j1)) if tag != "equal" else ():
            old = sent[i1 + k] if i1 + k < i2 else ""
            new = fallback[j1 + k] if j1 + k < j2 else ""
            changes.append(Change("replace", "termination", old, new, new, old, author="Aoife Byrne"))
    assert changes
    found = map_changes(library, sent_en.agreement, changes)
    assert {(m.kind, m.target, m.decision) for m in found} == {("variant", "termination:fallback-1", "needs-approval")}
    assert found[0].approvers == ("Direction juridique / Legal department",)


def test_free_text_heading_table_signature_and_formatting(sent_fr):
    heading = paragraph(sent_fr, "termination", "18.1")
    changes = [
        edit(sent_fr, "scope", "Les Prestations comprennent", "suivantes", "suivantes, sans limitation", kind="insert"),
        Change("replace", "termination", "manquement", "faute", heading.replace("manquement", "faute"), heading),
        Change("replace", None, "Lyon", "Paris", paragraph(sent_fr, "signatures", "Fait à").replace("Lyon", "Paris"),
               paragraph(sent_fr, "signatures", "Fait à")),
        Change("format", "fees", "prix", "prix", paragraph(sent_fr, "fees", "En contrepartie"),
               paragraph(sent_fr, "fees", "En contrepartie")),
        Change("replace", "payment-schedule", "30 %", "25 %", "25 %", "Total"),
    ]
    found = map_changes(sent_fr.repo, sent_fr.agreement, changes)
    assert [(m.kind, m.decision, m.clause) for m in found] == [
        ("free-text", "legal-review", "scope"),
        ("structure", "not-applicable", "termination"),
        ("structure", "refused", "signatures"),
        ("structure", "not-applicable", "fees"),
        ("structure", "not-applicable", "payment-schedule"),
    ]
    assert not any(m.applicable for m in found)


# ---------------------------------------------------------------- hypothesis: values back from their text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cure=st.integers(8, 90), notice=st.integers(1, 24), unit=st.sampled_from(["day", "week", "month", "year"]),
       day=st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
       cents=st.integers(1, 10**9), english=st.booleans())
def test_random_values_rendered_then_edited_are_read_back(sent_fr, sent_en, cure, notice, unit, day, cents, english):
    sent = sent_en if english else sent_fr
    termination, duration, fees = (sent.plan.find(a) for a in ("termination", "duration", "fees"))
    params = {**sent.plan.parameters["termination"], "cure_days": cure, "notice": Duration(notice, unit)}
    data = dict(sent.session.base["agreement"])
    data.update(effective_date=day, fees={**data["fees"], "amount": Decimal(cents) / 100})
    wanted = {"termination.cure_days": cure, "termination.notice": Duration(notice, unit),
              "effective_date": day, "fees.amount": Decimal(cents) / 100}
    changes = []
    for article, returned in ((termination, sent.markdown(termination, params=params)),
                              (duration, sent.markdown(duration, data=data)), (fees, sent.markdown(fees, data=data))):
        for before, (_, after) in zip(sent.view(article), paragraphs(returned)):
            if before.text != after:
                changes.append(Change("untracked", article.id, "", "", after, before.text, tracked=False))
    found = {m.target: m.new_value for m in map_changes(sent.repo, sent.agreement, changes)
             if m.kind in ("parameter", "field")}
    for target, value in wanted.items():
        if target in found or value != _sent_value(sent, target):
            assert found.get(target) == value, target


def _sent_value(sent: SentText, target: str):
    data = sent.session.base["agreement"]
    return {"termination.cure_days": sent.plan.parameters["termination"]["cure_days"],
            "termination.notice": sent.plan.parameters["termination"]["notice"],
            "effective_date": data["effective_date"], "fees.amount": data["fees"]["amount"]}[target]


# ---------------------------------------------------------------- outputs and --apply


def _negotiation(sent: SentText) -> Negotiation:
    changes = [edit(sent, "termination", "Si le manquement", "30", "45", comment="Plus réaliste"),
               edit(sent, "acceptance", "Le Client vérifie", "15", "20"),
               edit(sent, "termination", "Chaque Partie peut", "1 mois", "3 mois"),
               edit(sent, "payment-schedule", "Les factures sont payables", "30 jours", "45 jours"),
               edit(sent, "termination", "Si le manquement", "30", "200"),
               edit(sent, "scope", "Les Prestations comprennent", "suivantes", "suivantes | <b>x</b>", kind="insert")]
    return Negotiation(FR, "0" * 40, changes, map_changes(sent.repo, sent.agreement, changes))


def test_json_lists_every_change_with_its_decision(sent_fr):
    records = json.loads(as_json(_negotiation(sent_fr)))
    assert [(r["kind"], r["target"], r["old"], r["new"], r["decision"]) for r in records] == [
        ("parameter", "termination.cure_days", "30", "45", "standard"),
        ("parameter", "acceptance.review_days", "15", "20", "needs-approval"),
        ("parameter", "termination.notice", "1 month", "3 months", "standard"),
        ("field", "payment.due_days", "30", "45", "needs-approval"),
        ("parameter", "termination.cure_days", "30", "200", "refused"),
        ("free-text", None, "suivantes", "suivantes | <b>x</b>", "legal-review"),
    ]
    assert records[0]["comment"] == "Plus réaliste" and records[0]["author"] == "Claire Martin"
    assert set(records[0]) >= {"article", "clause", "kind", "target", "old", "new", "author", "date", "comment",
                               "decision"}


def test_markdown_is_a_table_then_the_proposals_quoted(sent_fr):
    text = as_markdown(_negotiation(sent_fr))
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 6 and "**refused**" in rows[5] and "above the maximum 90" in rows[5]
    assert "#### Free-text proposals" in text
    assert "> Les Prestations comprennent les tâches suivantes \\| \\<b\\>x\\</b\\>" in text  # the client's words, inert
    summary = as_text(_negotiation(sent_fr))
    assert summary.splitlines()[0].endswith("6 changes: 2 standard, 2 needs approval, 1 legal review, 1 refused")
    assert "comment: «Plus réaliste»" in summary


AGREEMENT = """---
id: demo
template: general-services
# the client, as the sales team wrote it
client: {name: Demo SAS, address: "1 rue X, Lyon"}
effective_date: 2026-12-01
payment:
  due_days: 30   # our standard
clauses:
  variants:
    liability: fallback-1
  parameters:
    acceptance: { review_days: 15 }
---
Body stays.
"""


def test_values_are_written_in_place_keeping_comments_and_layout():
    writes = {("payment", "due_days"): 45, ("clauses", "parameters", "acceptance", "review_days"): 20,
              ("clauses", "parameters", "acceptance", "correction_rounds"): 3,
              ("clauses", "parameters", "termination", "notice"): Duration(3, "month"),
              ("clauses", "variants", "termination"): "fallback-1", ("effective_date",): dt.date(2027, 1, 15)}
    result = with_values(AGREEMENT, "agreements/demo.md", writes)
    assert result == AGREEMENT.replace("due_days: 30   # our standard", "due_days: 45   # our standard") \
        .replace("{ review_days: 15 }", "{ review_days: 20, correction_rounds: 3 }") \
        .replace("effective_date: 2026-12-01", "effective_date: 2027-01-15") \
        .replace("    liability: fallback-1\n", "    liability: fallback-1\n    termination: \"fallback-1\"\n") \
        .replace("correction_rounds: 3 }\n", "correction_rounds: 3 }\n    termination:\n      notice: \"3 months\"\n")


def test_apply_writes_applicable_changes_and_the_report_never_refused_ones(sent_fr, tmp_path):
    root = tmp_path / "repo"
    (root / "agreements").mkdir(parents=True)
    shutil.copy(PROJECT / FR, root / FR)
    before = (root / FR).read_text()
    applied = apply(root, root / FR, FR, _negotiation(sent_fr), "2026-014-atelier-lumiere")
    after = (root / FR).read_text()
    assert sorted(t for t, _, _ in applied.written) == ["acceptance.review_days", "payment.due_days",
                                                        "termination.cure_days", "termination.notice"]
    assert "review_days: 20 }" in after and "due_days: 45" in after and "cure_days: 45" in after
    assert "cure_days: 200" not in after and "limitation" not in after
    assert [line for line in after.splitlines() if line not in before.splitlines()] == [
        "  due_days: 45", "    acceptance: { review_days: 20 }", "    termination:", "      cure_days: 45",
        "      notice: \"3 months\""]
    report = (root / "build/negotiate/2026-014-atelier-lumiere.md").read_text()
    assert "#### Free-text proposals" in report and "**refused**" in report


def test_a_signed_agreement_is_never_applied(sent_fr, tmp_path):
    root = tmp_path / "repo"
    (root / "agreements").mkdir(parents=True)
    (root / FR).write_text((PROJECT / FR).read_text().replace("status: draft", "status: signed"))
    before = (root / FR).read_bytes()
    with pytest.raises(Exception, match="is signed"):
        apply(root, root / FR, FR, _negotiation(sent_fr), "2026-014-atelier-lumiere")
    assert (root / FR).read_bytes() == before and not (root / "build").exists()


# ---------------------------------------------------------------- the command, on a DOCX we built


def _git_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("clauses", "templates"):
        shutil.copytree(PROJECT / name, root / name)
    shutil.copy(PROJECT / "clausier.yml", root / "clausier.yml")
    (root / "agreements").mkdir()
    shutil.copy(PROJECT / FR, root / FR)
    for command in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@example.org", "-c", "user.name=t",
                                                     "commit", "-qm", "library"]):
        subprocess.run(["git", *command], cwd=root, check=True)
    return root


def test_negotiate_reads_maps_and_applies_a_returned_docx(tmp_path):
    root = _git_repo(tmp_path)
    runner = CliRunner()
    built = runner.invoke(main, ["--root", str(root), "build", str(root / FR), "--to", "docx", "--simple", "-q"])
    assert built.exit_code == 0, built.output
    returned = Returned((root / "build/2026-014-atelier-lumiere/2026-014-atelier-lumiere.docx").read_bytes())
    returned.replace("Si le manquement", "30 jours", "45 jours")
    returned.replace("Les factures sont payables", "30", "60", author="Paul Roche")
    returned.replace("Le Client vérifie la conformité", "15 jours", "20 jours")
    returned.insert("Le Prestataire garantit la conformité", "réception", " et au plus tard six mois après la livraison")
    returned.replace("Chaque Partie peut résilier", "1 mois", "3 mois", tracked=False)
    returned.replace("Fait à Lyon", "Lyon", "Paris")
    path = tmp_path / "returned.docx"
    path.write_bytes(returned.bytes())
    result = runner.invoke(main, ["--root", str(root), "negotiate", str(root / FR), str(path), "--format", "json", "--apply"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [(r["clause"], r["kind"], r["target"], r["new"], r["decision"], r["tracked"]) for r in records] == [
        ("acceptance", "parameter", "acceptance.review_days", "20", "needs-approval", True),
        ("payment-schedule", "field", "payment.due_days", "60", "needs-approval", True),
        ("warranties", "free-text", None, " et au plus tard six mois après la livraison", "legal-review", True),
        ("termination", "parameter", "termination.cure_days", "45", "standard", True),
        ("termination", "parameter", "termination.notice", "3 months", "standard", False),
        ("signatures", "structure", None, "Paris", "refused", True),
    ]
    text = (root / FR).read_text()
    assert "due_days: 60" in text and "review_days: 20 }" in text and "cure_days: 45" in text and "Paris" not in text
    assert "six mois" in (root / "build/negotiate/2026-014-atelier-lumiere.md").read_text()


def test_negotiate_refuses_a_file_that_is_not_a_docx(tmp_path):
    root = _git_repo(tmp_path)
    bogus = tmp_path / "returned.docx"
    bogus.write_text("not a zip")
    before = (root / FR).read_bytes()
    result = CliRunner().invoke(main, ["--root", str(root), "negotiate", str(root / FR), str(bogus), "--apply"])
    assert result.exit_code == 1 and "error:" in result.stderr
    assert (root / FR).read_bytes() == before and not (root / "build/negotiate").exists()
