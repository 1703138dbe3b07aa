"""`clausier import`: a cover page of key terms becomes the template's `cover:`, schedules after the
signatures its `annexes:` (importer/parts.py); the example agreement builds them."""

from __future__ import annotations

from pathlib import Path

import pypandoc
from click.testing import CliRunner

from clausier.cli import main
from clausier.init import init_repository

runner = CliRunner()

COVER_AND_SCHEDULES = """---
title: Hosting Agreement
---
# Cover Page

| Term | Value |
|---|---|
| Customer | [Customer Name] |
| Effective Date | [date] |
| Governing Law | California |
| Support Plan | ☒ Standard ☐ Premium |

By signing this Cover Page, each party accepts the Standard Terms.

# Standard Terms

This agreement is made between the Provider and [Customer Name].

1. **Hosting**. The Provider hosts the service to the levels of Schedule A, for the prices of Schedule B.

2. **Law**. The law of the state on the Cover Page applies.

# Signatures

Signed by both parties on ____________.

# Schedule A — Service Levels

1. **Availability**. The Provider keeps the service available 99.5 % of each month.

2. **Credits**. A missed level gives the credit of Section 1.

# Schedule B — Prices

The prices are those of the Provider's price list on the Effective Date.
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


def test_cover_page_and_schedules(tmp_path):
    source = tmp_path / "hosting.md"
    source.write_text(COVER_AND_SCHEDULES, encoding="utf-8")
    root = _repo(tmp_path)
    output = _import(root, source, "hosting")
    template = (root / "templates" / "hosting.md.j2").read_text(encoding="utf-8")
    assert ('cover:\n  title: {en: "Cover Page"}\n  rows: [customer, effective_date, governing_law, support_plan]\n'
            "  tick_boxes: [support_plan]\n  clauses:\n    - cover-text\n  parties: false\n") in template
    assert '  support_plan:\n    type: enum\n    choices: ["Standard", "Premium"]\n' in template
    assert ('annexes:\n  style:\n    word: {en: "Schedule"}\n    numbering: "A"\n    heading: "{word} {n} — {title}"\n'
            '  parts:\n    - id: schedule-a\n      title: {en: "Service Levels"}\n      clauses:\n'
            '        - availability\n        - credits\n    - id: schedule-b\n      title: {en: "Prices"}\n'
            "      from_agreement: schedule_b\n") in template
    assert "  - hosting\n  - law\n" in template and "availability" not in template.split("closing:")[0]
    example = (root / "agreements" / "hosting-example.md").read_text(encoding="utf-8")
    assert 'customer: "[Customer Name]"' in example and 'governing_law: "California"' in example
    assert 'support_plan: "Standard"' in example
    assert "annexes:" in example and "  schedule_b: |\n    The prices are those" in example
    hosting = (root / "clauses" / "hosting" / "en.md").read_text(encoding="utf-8")
    assert 'levels of {{ ref("schedule-a") }}, for the prices of {{ ref("schedule-b") }}.' in hosting
    # "Standard Terms" is no section: a preamble clause printed under that title
    assert "preamble: [standard-terms]\n" in template and "titled: [standard-terms]\n" in template
    preamble = (root / "clauses" / "standard-terms" / "en.md").read_text(encoding="utf-8")
    assert "{{ terms.customer }}" in preamble  # the cover's "[Customer Name]" and the text's: one term
    assert "#" not in preamble.split("---\n")[-1]
    assert "Schedule A — Service Levels (paragraph" in output and "cover page (paragraph 1)" in output
    text = _built(root, "hosting")
    assert "| Governing Law" in text and "■ Standard" in text and "□ Premium" in text
    assert "By signing this Cover Page, each party accepts the Standard Terms." in text
    assert "Signed by both parties on \\_\\_\\_" in text  # the closing is the signatures, not the schedules
    assert "# Schedule A — Service Levels {#part-schedule-a}" in text
    assert "# A.1. Availability {#art-availability}" in text and "# A.2. Credits {#art-credits}" in text
    assert ("levels of [Schedule\u00a0A](#part-schedule-a), for the prices of [Schedule\u00a0B](#part-schedule-b)"
            in text)
    assert "# Schedule B — Prices {#part-schedule-b}\n\nThe prices are those" in text


FRENCH = """---
title: Contrat de prestations
---
| Prestataire | Atelier Nord |
|---|---|
| Client | [Nom du client] |
| Prix | [10 000 €] |
| Durée | 12 mois |

Entre les soussignés, le Prestataire et le Client.

# Article 1 — Objet

Le Prestataire réalise les travaux décrits à l'Annexe 1, au prix de l'Annexe 2.

# Article 2 — Durée

Le contrat dure le temps indiqué en première page.

# Signatures

Fait à Lyon, le ____________.

# Annexe 1 — Cahier des charges

## Travaux

Le Prestataire repeint la façade.

# Annexe 2 — Prix

Le prix est payé en deux fois.
"""


def test_french_word_file_with_a_bare_cover_table_and_annexes(tmp_path):
    """A Word file: the two-column table before the first article is the cover, « Annexe 1 » the
    annexes' style (numbered 1, 2), their references ref()."""
    source = tmp_path / "prestations.docx"
    pypandoc.convert_text(FRENCH, "docx", format="markdown", outputfile=str(source), extra_args=["--sandbox"])
    root = _repo(tmp_path, ("fr",))
    output = _import(root, source, "prestations", "--language", "fr")
    template = (root / "templates" / "prestations.md.j2").read_text(encoding="utf-8")
    cover = template.split("\ncover:")[1].split("\nannexes:")[0]
    assert "  rows: [prestataire, client, prix, duree]\n" in cover and "title:" not in cover
    assert "  duree:\n    type: duration\n" in template and "  prix:\n    type: money\n" in template
    assert 'word: {fr: "Annexe"}\n    numbering: "1"' in template
    assert "- id: annexe-1" in template and "- id: annexe-2" in template
    example = (root / "agreements" / "prestations-example.md").read_text(encoding="utf-8")
    assert 'prestataire: "Atelier Nord"' in example and "prix: 10000" in example and 'duree: "12 months"' in example
    assert "a two-column table before the first section" in output
    text = _built(root, "prestations").replace("\u202f", " ").replace("\u00a0", " ").replace("'", "’")
    assert "| Durée | 12 mois |" in text and "| Prix | 10 000,00 € |" in text
    assert "décrits à l’[Annexe 1](#part-annexe-1), au prix de l’[Annexe 2](#part-annexe-2)" in text
    assert "# Annexe 1 — Cahier des charges {#part-annexe-1}" in text
    assert "# Annexe 2 — Prix {#part-annexe-2}\n\nLe prix est payé en deux fois." in text
    assert "Fait à Lyon, le \\_\\_\\_" in text
