"""`clausier import`: what the model has no place for is placed, and said: a third level of
numbering ("5.3.1 …"), a footnote on a bold run-in title, a table's caption, a link to a file,
the document's subtitle, a cover section's numbered items, a cover row given twice."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from clausier.cli import main
from clausier.init import init_repository

runner = CliRunner()


def _imported(tmp_path: Path, text: str, template_id: str, language: str = "en") -> tuple[Path, str]:
    root = tmp_path / "contracts"
    init_repository(root, (language,))
    source = tmp_path / f"{template_id}.md"
    source.write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["--root", str(root), "import", str(source), "--as", template_id])
    assert result.exit_code == 0, result.output
    return root, result.output


def _built(root: Path, template_id: str) -> str:
    result = runner.invoke(main, ["--root", str(root), "build", "--to", "md",
                                  str(root / "agreements" / f"{template_id}-example.md")])
    assert result.exit_code == 0, result.output
    return (root / "build" / f"{template_id}-example" / f"{template_id}-example.md").read_text(encoding="utf-8")


def _not_mapped(output: str) -> str:
    return output.split("## Not mapped\n", 1)[1].split("\n## ", 1)[0]


LEVELS = """---
title: Contrat de licence
lang: fr
---
# Article 1 — Objet

Le contrat concède une licence sur le logiciel.

# Article 2 — Droits

## 2.1 Utilisation

Le licencié utilise le logiciel sans restriction.

## 2.2 Distribution

Le licencié distribue le logiciel aux conditions suivantes.

### 2.2.1 Copies conformes

Le licencié remet une copie du contrat avec chaque copie du logiciel.

2.2.2 Le licencié qui modifie le logiciel le signale dans chaque fichier modifié.
"""


def test_level_three_numbers_become_bold_run_in_titles(tmp_path):
    root, output = _imported(tmp_path, LEVELS, "licence", "fr")
    rights = (root / "clauses" / "droits" / "fr.md").read_text(encoding="utf-8")
    assert "2.2.1" not in rights and "2.2.2" not in rights
    assert ("## Distribution\n\nLe licencié distribue le logiciel aux conditions suivantes.\n\n**Copies conformes.** "
            "Le licencié remet une copie du contrat avec chaque copie du logiciel.\n\nLe licencié qui modifie") in rights
    assert _not_mapped(output).count("level-3 title(s)") == 1
    assert "paragraph 8: 2 level-3 title(s) (“5.3.1 …”) printed as a bold run-in title" in output
    text = _built(root, "licence")
    assert "2.2.1" not in text and "**Copies conformes.** Le licencié remet" in text


FOOTNOTES = """---
title: Services Agreement
---
1. **Scope^[As amended by the parties in writing.].** The Provider performs the services.

2. **Fees.** The Client pays the fees.

    2.1 **Invoices^[Sent by email.].** The Provider invoices each month.
"""


def test_a_footnote_in_a_bold_run_in_title_is_kept_after_the_title(tmp_path):
    root, _ = _imported(tmp_path, FOOTNOTES, "services-fn")
    scope = (root / "clauses" / "scope" / "en.md").read_text(encoding="utf-8")
    assert 'title: "Scope"' in scope
    assert scope.endswith("---\n^[As amended by the parties in writing.] The Provider performs the services.\n")
    fees = (root / "clauses" / "services-fn-fees" / "en.md").read_text(encoding="utf-8")
    assert "## Invoices\n\n^[Sent by email.] The Provider invoices each month." in fees
    text = _built(root, "services-fn")
    assert "As amended by the parties in writing." in text and "Sent by email." in text


DROPS = """---
title: Hosting Terms
subtitle: Version for small teams
---
# Key Terms

1. **Plan.** The plan chosen below.

    (a) Basic hosting;

    (b) Daily backups.

| Term | Value |
|---|---|
| Region | Europe |
| Region | North America |

# 1. Hosting

The Provider hosts the site, as the [service description](description.pdf) says.

| Item | Price |
|---|---|
| Hosting | 10 |

Table: Monthly prices

# 2. Support

The Provider answers within one business day.
"""


def test_nothing_is_dropped_without_a_line_in_the_report(tmp_path):
    root, output = _imported(tmp_path, DROPS, "hosting-terms")
    missing = _not_mapped(output)
    assert "before paragraph 1: the document's subtitle 'Version for small teams' is not imported" in missing
    assert "the cover row 'Region' repeats a row above: its value 'North America'" in missing
    assert "a link to 'description.pdf' kept as its text only" in missing
    assert "a table's caption kept as a paragraph above it" in missing
    cover = (root / "clauses" / "cover-text" / "en.md").read_text(encoding="utf-8")  # list numbers kept as text
    assert "1\\. **Plan.** The plan chosen below.\n\n\\(a) Basic hosting;\n\n\\(b) Daily backups." in cover
    hosting = (root / "clauses" / "hosting" / "en.md").read_text(encoding="utf-8")
    assert "Monthly prices\n\n| Item | Price |" in hosting


COVER_SECTION = """---
title: Hosting Terms
---
# Key Terms

## Plan

The plan the Client chose.

| Term | Value |
|---|---|
| Region | Europe |

# Hosting

The Provider hosts the site.

# Support

The Provider answers within one business day.
"""


def test_a_cover_sections_sub_clauses_are_kept_as_paragraphs(tmp_path):
    root, output = _imported(tmp_path, COVER_SECTION, "hosting-cover")
    assert "a section titled 'Key Terms'" in output
    assert "the cover page's sub-clauses and items kept as paragraphs" in _not_mapped(output)
    cover = (root / "clauses" / "cover-text" / "en.md").read_text(encoding="utf-8")
    assert cover.endswith("---\n**Plan**\n\nThe plan the Client chose.\n")
