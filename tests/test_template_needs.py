"""A template says which agreement sections it needs (`needs:`, by default `[fees]`): an agreement
whose fees live in statements of work builds on a template that does not need them."""

from __future__ import annotations

import datetime as dt
import io

from click.testing import CliRunner
from pypdf import PdfReader

from clausier.cli import main
from clausier.errors import ContentError
from clausier.init import init_repository
from clausier.repository import load_agreement, load_repository

runner = CliRunner()

FRAME = """---
title:
  en: Framework Services Agreement
description:
  en: Terms under which statements of work are later signed, each with its own price.
requires: [parties, scope, termination, law, signatures]
{needs}preamble: [parties]
clauses:
  - purpose
  - termination
  - governing-law
closing: [signatures]
---
{{% for id in preamble %}}
{{{{ clause(id) }}}}

{{% endfor %}}
{{% for article in articles %}}
{{{{ clause(article.id) }}}}

{{% endfor %}}
{{% for id in closing %}}
{{{{ clause(id) }}}}

{{% endfor %}}
"""


def _repo(tmp_path, needs: str):
    root = tmp_path / "repo"
    init_repository(root, ("en",), today=dt.date(2027, 3, 1))
    (root / "templates" / "framework.md.j2").write_text(FRAME.format(needs=needs), encoding="utf-8")
    example = (root / "agreements" / "example-services.md").read_text(encoding="utf-8")
    head, fees = example.split("fees:\n", 1)
    without_fees = head.replace("template: services", "template: framework") + "---\n"
    (root / "agreements" / "framework.md").write_text(without_fees, encoding="utf-8")
    return root


def _errors(root, name="framework"):
    repo = load_repository(root)
    assert [str(f) for f in repo.errors()] == []
    try:
        load_agreement(repo, root / "agreements" / f"{name}.md")
    except ContentError as exc:
        return [str(f) for f in exc.findings]
    return []


def test_fees_stay_required_by_default(tmp_path):
    root = _repo(tmp_path, needs="")
    assert _errors(root) == ["agreements/framework.md:2:1: error: missing required field 'fees': template "
                             "'framework' needs it (`needs:` in templates/framework.md.j2) (fees)"]


def test_a_template_that_does_not_need_fees_builds_without_them(tmp_path):
    root = _repo(tmp_path, needs="needs: [services]\n")
    assert _errors(root) == []
    checked = runner.invoke(main, ["--root", str(root), "check"])
    assert checked.exit_code == 0, checked.output
    built = runner.invoke(main, ["--root", str(root), "build", "--to", "pdf"])
    assert built.exit_code == 0, built.output
    pdf = root / "build" / "framework" / "framework.pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "Framework Services Agreement" in text and "Harbourside Books Ltd" in text


def test_a_needed_section_left_out_is_an_error_naming_the_template(tmp_path):
    root = _repo(tmp_path, needs="needs: [services, schedule]\n")
    assert _errors(root) == ["agreements/framework.md:2:1: error: missing required field 'schedule': template "
                             "'framework' needs it (`needs:` in templates/framework.md.j2) (schedule)"]


def test_needs_names_only_agreement_sections(tmp_path):
    root = _repo(tmp_path, needs="needs: [fee]\n")
    errors = [str(f) for f in load_repository(root).errors()]
    assert len(errors) == 1 and errors[0].startswith("templates/framework.md.j2:7:")
    assert "'term', 'services', 'fees', 'schedule', 'payment' or 'signature'" in errors[0]


def _without(text: str, key: str) -> str:
    """The agreement text without its top-level `key:` block."""
    lines, out, skipping = text.splitlines(keepends=True), [], False
    for line in lines:
        if line.startswith(f"{key}:"):
            skipping = True
            continue
        if skipping and (line.startswith(" ") or line.startswith("  -")):
            continue
        skipping = False
        out.append(line)
    return "".join(out)


def test_the_service_checklist_follows_what_the_template_needs(tmp_path):
    """A template that says `needs: []` (an NDA: no services, price or term of its own) is not held
    to the service agreement's checklist; one that keeps the default still is."""
    root = _repo(tmp_path, needs="needs: []\n")
    agreement = root / "agreements" / "framework.md"
    text = agreement.read_text(encoding="utf-8")
    agreement.write_text(_without(_without(text, "services"), "term"), encoding="utf-8")
    checked = runner.invoke(main, ["--root", str(root), "check", str(agreement)])
    assert checked.exit_code == 0 and "completeness" not in checked.output, checked.output

    root = _repo(tmp_path / "default", needs="")
    agreement = root / "agreements" / "framework.md"
    text = agreement.read_text(encoding="utf-8").replace("---\n", "---\nfees: {model: fixed, amount: 900, currency: GBP, "
                                                         "tax: excluded}\n", 1)
    agreement.write_text(_without(_without(text, "services"), "term"), encoding="utf-8")
    checked = runner.invoke(main, ["--root", str(root), "check", str(agreement)])
    assert "the services list no tasks and no deliverables" in checked.output, checked.output
    assert "no end date, duration or renewal" in checked.output, checked.output
