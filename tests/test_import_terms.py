"""`clausier import`: blanks and placeholders become typed key terms the example agreement sets,
and definitions come in as `clausier check` reads them (importer/placeholders.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from click.testing import CliRunner
from docx import Document

from clausier.cli import main
from clausier.init import init_repository
from conftest import PROJECT

runner = CliRunner()

PLACEHOLDERS = """---
title: Support Terms
---
This agreement is made between the Provider and [Customer Name], of {Customer Address}.

1. **Fees**. The Customer shall pay a fee of $[50,000] within [30] days of each invoice, and interest at
   [●] % per year on late payments.

2. **Term**. This agreement starts on [Start Date] and the deliverables are [Assigned/Licensed]. Notices
   go to <<Notice Email>>. [Customer Name] may end it at any time.

3. **Signatures**. The parties sign below.

# Signatures

Signed by [Customer Name] on ____________.
"""


def _repo(tmp_path: Path, languages=("en",)) -> Path:
    root = tmp_path / "contracts"
    init_repository(root, languages)
    return root


def _import(root: Path, source: Path, template_id: str, *extra: str) -> str:
    result = runner.invoke(main, ["--root", str(root), "import", str(source), "--as", template_id, *extra])
    assert result.exit_code == 0, result.output
    return result.output


def _built(root: Path, template_id: str) -> str:
    result = runner.invoke(main, ["--root", str(root), "build", "--to", "md",
                                  str(root / "agreements" / f"{template_id}-example.md")])
    assert result.exit_code == 0, result.output
    return (root / "build" / f"{template_id}-example" / f"{template_id}-example.md").read_text(encoding="utf-8")


def _front(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n---\n", 1)[0]


def test_placeholders_become_typed_key_terms_set_by_the_example(tmp_path):
    source = tmp_path / "support.md"
    source.write_text(PLACEHOLDERS, encoding="utf-8")
    root = _repo(tmp_path)
    output = _import(root, source, "support")
    template = _front(root / "templates" / "support.md.j2")
    # one term per placeholder, typed; "[Customer Name]" three times is one term
    assert template.count("  customer_name:\n    type: text\n") == 1
    assert "  customer_address:\n    type: text\n" in template and "  notice_email:\n    type: text\n" in template
    assert re.search(r"  \w+:\n    type: money\n", template)
    assert re.search(r"  \w+_period:\n    type: duration\n", template)
    assert "  start_date:\n    type: date\n" in template
    assert re.search(r'    type: enum\n    choices: \["Assigned", "Licensed"\]\n', template)
    assert re.search(r"  interest_number:\n    type: int\n", template)
    fees = (root / "clauses" / "svc-fees" / "en.md").read_text(encoding="utf-8") if (
        root / "clauses" / "svc-fees").exists() else (root / "clauses" / "support-fees" / "en.md").read_text("utf-8")
    assert '{{ terms.customer_pay_fee_amount | money("USD") }} within {{ terms.customer_pay_fee_period }} of' in fees
    term = (root / "clauses" / "term" / "en.md").read_text(encoding="utf-8")
    assert "{{ terms.customer_name }} may end it" in term and "{{ terms.notice_email }}" in term
    example = (root / "agreements" / "support-example.md").read_text(encoding="utf-8")
    assert 'customer_name: "[Customer Name]"    # to fill (text)' in example
    assert re.search(r"_period: \"30 days\"    # to fill \(duration\)", example)
    assert "# to fill (money, USD)" in example and "50000" in example
    assert "`customer_name` (text" in output and "## Key terms" in output
    text = _built(root, "support")
    assert "between the Provider and \\[Customer Name\\], of \\{Customer Address\\}" in text
    assert "a fee of US\\$50,000.00 within 30 days of each invoice" in text
    assert "the deliverables are Assigned." in text
    assert "Signed by \\[Customer Name\\] on \\_\\_\\_" in text  # the signature block's blank: for a pen


def test_word_placeholders_split_across_runs(tmp_path):
    """A Word file whose brackets and blanks sit in runs of their own (bold, as Word splits them)."""
    document = Document()
    document.add_paragraph("Hosting Agreement", style="Title")
    document.add_paragraph("1.\tHosting")
    paragraph = document.add_paragraph("1.1.\tThe Provider hosts the service for ")
    paragraph.add_run("[").bold = True
    paragraph.add_run("Client Company").bold = True
    paragraph.add_run("]").bold = True
    paragraph.add_run(" from ______ for a monthly fee of EUR [●].")
    document.add_paragraph("2.\tNotice")
    document.add_paragraph("2.1.\tEither party may end it on [3] months' notice to [Client Company].")
    source = tmp_path / "hosting.docx"
    document.save(source)
    root = _repo(tmp_path)
    _import(root, source, "hosting")
    template = _front(root / "templates" / "hosting.md.j2")
    assert template.count("  client_company:\n") == 1
    assert "  monthly_fee_amount:\n    type: money\n" in template
    assert re.search(r"  \w+_period:\n    type: duration\n", template)  # "[3] months"
    assert "  provider_hosts_service:\n    type: text\n" in template  # "from ______": named by the words before
    text = _built(root, "hosting")
    assert "for **\\[Client Company\\]** from" in text or "for \\[Client Company\\] from" in text
    assert "a monthly fee of €1,000.00." in text
    assert "on 3 months’ notice to \\[Client Company\\]" in text.replace("'", "’")


DEFINED = """---
title: Evaluation Terms
---
This agreement (the "Agreement") is made between the Provider and [Customer Name] (the "Customer").

1. **Definitions**. In this Agreement:

    1. **Confidential Information** means any information a party discloses under this Agreement.

    2. "**Evaluation Period**" means the period during which the Customer tries the Software.

2. **Use**. The Customer shall keep all Confidential Information secret during the Evaluation Period and
   use the Software ("Software") only for the evaluation. [Customer Name] shall not disclose any
   Confidential Information. The name of each customer contact is confidential information too.
"""


def test_definitions_are_read_by_check_without_false_warnings(tmp_path):
    source = tmp_path / "evaluation.md"
    source.write_text(DEFINED, encoding="utf-8")
    root = _repo(tmp_path)
    output = _import(root, source, "evaluation")
    checked = runner.invoke(main, ["--root", str(root), "check"])
    assert "defined-terms" not in checked.output, checked.output
    assert "“Confidential Information”" in output and "“Evaluation Period”" in output and "“Software”" in output
    definitions = (root / "clauses" / "definitions" / "en.md").read_text(encoding="utf-8")
    assert "“**Confidential Information**” means" in definitions  # bold only: put in quotes
    assert "## Confidential Information" not in definitions  # a definition, not a run-in title


def test_a_built_agreement_has_no_placeholders(tmp_path):
    """Names, amounts and dates of an agreement Clausier built are values, not blanks: importing
    its Word file makes no key terms; only the signature line stays a blank to fill by hand."""
    root = tmp_path / "copy"
    root.mkdir()
    shutil.copy(PROJECT / "clausier.yml", root)
    for folder in ("clauses", "templates", "agreements"):
        shutil.copytree(PROJECT / folder, root / folder)
    agreement = root / "agreements" / "2026-021-harbour-light.md"
    built = runner.invoke(main, ["--root", str(root), "build", "--to", "docx", "--simple", str(agreement)])
    assert built.exit_code == 0, built.output
    output = _import(root, root / "build" / agreement.stem / f"{agreement.stem}.docx", "again", "--language", "en")
    assert "\nterms:" not in _front(root / "templates" / "again.md.j2")
    assert "- no placeholder found" in output and "1 blank(s) of the signature block kept" in output
