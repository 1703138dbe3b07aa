"""The pure comparison: alignment by article id, word-level marks, tables, lists, the summary."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from clausier.redline import (VISUAL, compare, count_words, parse_blocks, split_sections, summary, to_markdown,
                              tokens, tracked)
from clausier.render import READER, pandoc_path

HEADER = '---\ntitle: "Contrat de prestation de services"\nlang: fr-FR\n---\n\n'

PARTIES = """## Entre les soussignés

::: {#parties}
**Clair Obscur Studio**, SAS au capital de 20\u202f000,00\u00a0€,

**Et**

**Atelier Lumière SARL**, SARL.
:::
"""


def article(number: int, clause: str, title: str, body: str) -> str:
    return f"# Article {number} — {title} {{#art-{clause}}}\n\n{body.strip()}\n"


def document(*articles: str, parties: str = PARTIES) -> str:
    return HEADER + parties + "\n" + "\n".join(articles)


FEES = article(1, "fees", "Prix", """
## 1.1 Prix forfaitaire

Le prix est de 12\u202f000,00\u00a0€ hors taxes, payable à 30 jours.

## 1.2 Échéancier

| Échéance | Part | Montant |
|:--|--:|--:|
| À la signature | 30\u00a0% | 3\u202f600,00\u00a0€ |
| Livraison | 70\u00a0% | 8\u202f400,00\u00a0€ |
""")
LIABILITY = article(2, "liability", "Responsabilité", "La responsabilité est plafonnée au prix payé, "
                    "sauf faute lourde.")
TERMINATION = article(3, "termination", "Résiliation", """
**3.1**\u00a0En cas de manquement, la Partie lésée peut résilier après trente jours.

**3.2**\u00a0Les articles [1](#art-fees) et [2](#art-liability) survivent.
""")
BASE = document(FEES, LIABILITY, TERMINATION)


def marked(markdown: str) -> list[str]:
    """Lines of a redline holding a mark."""
    return [line for line in markdown.split("\n") if "~~" in line or "{.underline}" in line]


def pandoc_inlines(markdown: str) -> list[str]:
    """Every Str pandoc reads in the Markdown (with the contract reader): marks must all parse."""
    done = subprocess.run([pandoc_path(), "--sandbox", "-f", READER, "-t", "json"], input=markdown,
                          capture_output=True, text=True, check=True)
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("t") == "Str":
                found.append(node["c"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(done.stdout))
    return found


# ---------------------------------------------------------------- identical texts


def test_identical_texts_have_no_change_and_no_mark():
    comparison = compare(BASE, BASE)
    assert not comparison.changed
    assert all(s.status == "unchanged" for s in comparison.sections)
    assert marked(to_markdown(comparison, VISUAL)) == []
    assert "no change" in summary(comparison, "acme", "`abc1234`", "working tree")


def test_sections_are_keyed_by_anchor_and_the_parties_div_keeps_its_heading():
    sections = split_sections(parse_blocks(BASE.split("---\n", 2)[2]))
    assert [s.key for s in sections] == ["parties", "art-fees", "art-liability", "art-termination"]
    assert sections[0].blocks[0].text == "Entre les soussignés"
    assert (sections[1].number, sections[1].title) == ("1", "Prix")


# ---------------------------------------------------------------- words


def test_a_changed_word_is_struck_and_its_replacement_underlined():
    head = BASE.replace("payable à 30 jours", "payable à 45 jours")
    comparison = compare(BASE, head)
    redline = to_markdown(comparison, VISUAL)
    assert marked(redline) == ["Le prix est de 12\u202f000,00\u00a0€ hors taxes, payable à ~~30~~ [45]{.underline} jours."]
    fees = comparison.sections[1]
    assert (fees.status, fees.counts.added, fees.counts.removed) == ("changed", 1, 1)
    assert [s.status for s in comparison.sections] == ["unchanged", "changed", "unchanged", "unchanged"]


def test_an_amount_with_no_break_spaces_is_one_word():
    assert [w for _, w in tokens("de 12\u202f000,00\u00a0€ hors taxes")] == ["de", "12\u202f000,00\u00a0€", "hors", "taxes"]
    assert count_words(["12\u202f000,00\u00a0€"]) == 1
    head = BASE.replace("12\u202f000,00\u00a0€ hors", "15\u202f000,00\u00a0€ hors")
    assert "~~12\u202f000,00\u00a0€~~ [15\u202f000,00\u00a0€]{.underline}" in to_markdown(compare(BASE, head), VISUAL)


def test_punctuation_is_its_own_word_and_bold_names_are_split_word_by_word():
    head = BASE.replace("**Clair Obscur Studio**,", "**Clair Obscur Studio Lyon**,")
    redline = to_markdown(compare(BASE, head), VISUAL)
    assert "**Clair** **Obscur** **Studio** [**Lyon**]{.underline}, SAS" in redline


def test_a_rewritten_sentence_reads_as_one_deletion_and_one_insertion():
    head = BASE.replace("La responsabilité est plafonnée au prix payé, sauf faute lourde.",
                        "Le Prestataire répond de tout dommage direct, dans la limite du double du prix.")
    assert marked(to_markdown(compare(BASE, head), VISUAL)) == [
        "~~La responsabilité est plafonnée au prix payé, sauf faute lourde.~~",
        "[Le Prestataire répond de tout dommage direct, dans la limite du double du prix.]{.underline}"]
    head = BASE.replace("plafonnée au prix payé, sauf faute lourde.", "plafonnée au double du prix total payé "
                        "par le Client, sauf faute lourde ou dolosive.")
    line = marked(to_markdown(compare(BASE, head), VISUAL))[0]
    assert line.count("~~") == 0 and line.count("{.underline}") == 4  # au [double du] prix [total] payé…


def test_tracked_marks_are_pandoc_insertion_and_deletion_spans():
    head = BASE.replace("payable à 30 jours", "payable à 45 jours")
    redline = to_markdown(compare(BASE, head), tracked("Clausier", "2026-11-26T10:00:00Z"))
    assert ('[30]{.deletion author="Clausier" date="2026-11-26T10:00:00Z"}'
            '[45]{.insertion author="Clausier" date="2026-11-26T10:00:00Z"}') in redline
    assert 'author="Evil"' not in to_markdown(compare(BASE, head), tracked('Evil" onclick="x', "now"))


# ---------------------------------------------------------------- alignment by article id


def test_an_article_inserted_in_the_middle_leaves_the_following_ones_unchanged_but_renumbered():
    confidentiality = article(2, "confidentiality", "Confidentialité", "Chaque Partie garde secrètes les "
                              "informations de l'autre.")
    head = document(FEES, confidentiality, LIABILITY.replace("Article 2", "Article 3"),
                    TERMINATION.replace("Article 3", "Article 4").replace("**3.", "**4.")
                    .replace("[2](#art-liability)", "[3](#art-liability)"))
    comparison = compare(BASE, head)
    status = {s.key: s.status for s in comparison.sections}
    assert status == {"parties": "unchanged", "art-fees": "unchanged", "art-confidentiality": "inserted",
                      "art-liability": "renumbered", "art-termination": "renumbered"}
    assert (comparison.counts.added, comparison.counts.removed) == (11, 0)  # the new article's words only
    redline = to_markdown(comparison, VISUAL)
    # a renumbered heading shows only its number changed; the text after it is not marked
    assert "# Article ~~2~~ [3]{.underline} — Responsabilité {#art-liability}" in redline
    assert "La responsabilité est plafonnée au prix payé, sauf faute lourde." in redline.split("\n")
    assert "**~~4.1~~**" not in redline and "~~**3.1**~~ [**4.1**]{.underline}\u00a0En cas" in redline
    assert "# [Article 2 — Confidentialité]{.underline} {#art-confidentiality}" in redline
    text = summary(comparison, "acme", "`abc1234`", "working tree")
    assert "| 2 — Confidentialité | inserted | +11 −0 |" in text
    assert "Renumbered only (numbers and cross-references): articles 3–4." in text


def test_a_deleted_article_is_struck_where_it_stood_and_keeps_its_anchor():
    head = document(FEES, TERMINATION.replace("Article 3", "Article 2"))
    comparison = compare(BASE, head)
    assert [s.key for s in comparison.sections] == ["parties", "art-fees", "art-liability", "art-termination"]
    redline = to_markdown(comparison, VISUAL)
    assert "# ~~Article 2 — Responsabilité~~ {#art-liability}" in redline
    assert "~~La responsabilité est plafonnée au prix payé, sauf faute lourde.~~" in redline
    # the cross-reference to the deleted article still has its target
    assert "[2](#art-liability)" in redline


def test_moved_articles_are_matched_by_id_not_by_position():
    head = document(LIABILITY.replace("Article 2", "Article 1"), FEES.replace("Article 1", "Article 2")
                    .replace("## 1.", "## 2."), TERMINATION)
    comparison = compare(BASE, head)
    assert [s.key for s in comparison.sections] == ["parties", "art-liability", "art-fees", "art-termination"]
    assert {s.key: s.status for s in comparison.sections}["art-fees"] == "renumbered"


def test_a_renamed_article_keeps_a_single_anchor():
    head = BASE.replace("Article 2 — Responsabilité", "Article 2 — Limitation de la responsabilité du Prestataire")
    redline = to_markdown(compare(BASE, head), VISUAL)
    assert redline.count("{#art-liability}") == 1


# ---------------------------------------------------------------- tables and lists


def test_tables_are_compared_cell_by_cell_with_the_pipes_outside_the_marks():
    head = BASE.replace("| À la signature | 30\u00a0% | 3\u202f600,00\u00a0€ |", "| À la signature | 40\u00a0% | 4\u202f800,00\u00a0€ |")
    redline = to_markdown(compare(BASE, head), VISUAL)
    assert "| À la signature | ~~30\u00a0%~~ [40\u00a0%]{.underline} | ~~3\u202f600,00\u00a0€~~ [4\u202f800,00\u00a0€]{.underline} |" in redline
    assert "|:--|--:|--:|" in redline
    # the summary shows one row per line, with its first cell as the place
    text = summary(compare(BASE, head), "acme", "a", "b")
    assert ("- **1.2 À la signature** ~~30\u00a0%~~ **40\u00a0%** · ~~3\u202f600,00\u00a0€~~ "
            "**4\u202f800,00\u00a0€**") in text


def test_an_inserted_row_is_marked_in_every_cell_and_a_new_column_replaces_the_table():
    row = "| Mise en ligne | 10\u00a0% | 1\u202f200,00\u00a0€ |"
    head = BASE.replace("| Livraison |", row + "\n| Livraison |")
    redline = to_markdown(compare(BASE, head), VISUAL)
    assert "| [Mise en ligne]{.underline} | [10\u00a0%]{.underline} | [1\u202f200,00\u00a0€]{.underline} |" in redline
    wider = BASE.replace("| Échéance | Part | Montant |\n|:--|--:|--:|", "| Échéance | Part | Montant | Date |\n|:--|--:|--:|--|")
    wider = wider.replace("€ |\n", "€ | 2027 |\n")
    redline = to_markdown(compare(BASE, wider), VISUAL)
    assert "| ~~Échéance~~ | ~~Part~~ | ~~Montant~~ |" in redline
    assert "| [Échéance]{.underline} | [Part]{.underline} | [Montant]{.underline} | [Date]{.underline} |" in redline


def test_list_items_are_compared_one_by_one_and_a_tight_list_stays_tight():
    items = "Les Prestations comprennent :\n\n- ateliers de cadrage\n- conception graphique de la maquette\n- mise en ligne\n"
    base = document(article(1, "scope", "Périmètre", items))
    head = document(article(1, "scope", "Périmètre", items.replace("- conception graphique de la maquette\n",
                                                                    "- conception graphique des maquettes\n- recette\n")))
    redline = to_markdown(compare(base, head), VISUAL)
    assert ("- ateliers de cadrage\n- conception graphique ~~de la maquette~~ [des maquettes]{.underline}\n"
            "- [recette]{.underline}\n- mise en ligne") in redline


def test_marks_never_cross_a_block_and_markers_stay_outside(tmp_path):
    head = BASE.replace("## 1.2 Échéancier", "## 1.2 Échéancier des paiements").replace(
        "| Livraison | 70\u00a0% |", "| Livraison finale | 70\u00a0% |").replace("sauf faute lourde.", "sauf dol.")
    for marks in (VISUAL, tracked("Clausier", "2026-11-26T10:00:00Z")):
        redline = to_markdown(compare(BASE, head), marks)
        for block in redline.split("\n\n"):
            assert block.count("[") - block.count("\\[") == block.count("]") - block.count("\\]")
            assert block.count("~~") % 2 == 0
        assert "## 1.2 Échéancier [des paiements]{.underline}" in redline or "insertion" in redline
        # pandoc reads every mark: no bracket, brace or tilde is left over as text
        leftovers = [s for s in pandoc_inlines(redline) if re.search(r"[\[\]{}~]", s)]
        assert leftovers == []


def test_stray_brackets_are_escaped_so_they_cannot_close_a_mark():
    base = document(article(1, "scope", "Périmètre", "Voir l'annexe [A et le barème."))
    head = document(article(1, "scope", "Périmètre", "Voir l'annexe [B et le barème."))
    redline = to_markdown(compare(base, head), VISUAL)
    assert "~~\\[A~~ [\\[B]{.underline}" in redline
    assert [s for s in pandoc_inlines(redline) if "underline" in s or "~~" in s] == []


# ---------------------------------------------------------------- one side missing


def test_an_agreement_absent_at_the_base_is_all_inserted():
    comparison = compare(None, BASE)
    assert {s.status for s in comparison.sections} == {"inserted"}
    redline = to_markdown(comparison, VISUAL)
    assert "::: {#parties}" in redline and "# [Article 1 — Prix]{.underline} {#art-fees}" in redline
    assert comparison.counts.removed == 0 and comparison.counts.added > 50


def test_an_agreement_absent_at_the_head_is_all_deleted():
    comparison = compare(BASE, None)
    assert {s.status for s in comparison.sections} == {"deleted"}
    assert comparison.counts.added == 0


def test_a_changed_title_is_shown():
    comparison = compare(BASE, BASE.replace('title: "Contrat de prestation de services"', 'title: "Contrat de conseil"'))
    assert comparison.changed
    assert "~~prestation de services~~ [conseil]{.underline}" in to_markdown(comparison, VISUAL)


# ---------------------------------------------------------------- the summary


def test_the_summary_names_articles_numbers_titles_and_counts():
    head = BASE.replace("payable à 30 jours", "payable à 45 jours fin de mois").replace(
        "plafonnée au prix payé", "plafonnée au double du prix payé")
    text = summary(compare(BASE, head), "acme-fr", "`abc1234`", "working tree")
    assert text.startswith("#### acme-fr — Contrat de prestation de services")
    assert "`abc1234` → working tree · **2 articles changed** · **+6 / −1 words**" in text
    assert "| 1 — Prix | changed | +4 −1 |" in text
    assert "| 2 — Responsabilité | changed | +2 −0 |" in text
    assert "- **1.1** … 12\u202f000,00\u00a0€ hors taxes, payable à ~~30~~ **45** jours **fin de mois**." in text
    assert "- **2** La responsabilité est plafonnée au **double du** prix payé, sauf faute lourde …" in text


@pytest.mark.parametrize("text, words", [("a b c", 3), ("— ; ,", 0), ("[5](#art-fees)", 1), ("**Clair**", 1)])
def test_words_are_counted_as_a_reader_sees_them(text, words):
    assert count_words([w for _, w in tokens(text)]) == words
