"""The building order: agreements of one structure one after another (Typst then reuses layout)."""

from __future__ import annotations

from pathlib import Path

from clausier.build import build
from clausier.fast.building_order import in_building_order, structure_key

from conftest import write

FRONT = "---\ntemplate: {template}\nlanguage: {language}\n{clauses}reference: R-{n}\n---\nTexte.\n"


def _front(template="general", language="fr", clauses="", n=1) -> str:
    return FRONT.format(template=template, language=language, clauses=clauses, n=n)


def test_the_key_is_template_language_and_choice_of_clauses_not_parameter_values():
    base = structure_key(_front(clauses="clauses:\n  omit: [a]\n  parameters:\n    fees: {days: 30}\n"))
    assert base == structure_key(_front(clauses="clauses:\n  omit: [a]\n  parameters:\n    fees: {days: 45}\n", n=2))
    assert base != structure_key(_front(clauses="clauses:\n  omit: [b]\n"))
    assert base != structure_key(_front(language="en", clauses="clauses:\n  omit: [a]\n"))
    assert base[:2] == ("general", "fr")
    assert structure_key(_front(clauses="clauses: {variants: {liability: cap}}\n"))[2] != ""


def test_text_without_front_matter_has_an_empty_key():
    assert structure_key("no front matter\n") == ("", "", "")
    assert structure_key("---\ntemplate: x\n") == ("", "", "")


def test_items_are_grouped_in_a_stable_order(tmp_path):
    texts = [_front("a", "fr", n=1), _front("b", "fr", n=2), _front("a", "en", n=3), _front("a", "fr", n=4),
             _front("b", "fr", n=5), _front("a", "en", n=6)]
    paths = []
    for number, text in enumerate(texts):
        paths.append(write(tmp_path, f"{number}.md", text))
    ordered = in_building_order(paths, lambda path: path)
    assert [p.name for p in ordered] == ["2.md", "5.md", "0.md", "3.md", "1.md", "4.md"]
    assert in_building_order([paths[1], paths[0]], lambda path: path) == [paths[1], paths[0]]  # too few to group
    missing = tmp_path / "gone.md"
    assert missing in in_building_order([missing, *paths], lambda path: path)  # an unreadable file still builds


def test_a_build_hands_out_agreements_of_one_structure_one_after_another(repo: Path):
    text = (repo / "agreements/acme-fr.md").read_text()
    for number in range(1, 6):
        language = "en" if number % 2 else "fr"
        write(repo, f"agreements/client-{number}.md", text.replace("language: fr", f"language: {language}"))
    order: list[str] = []
    report = build(repo, formats=["md"], jobs=1, on_result=lambda result: order.append(result.id))
    assert report.ok and len(order) == 6
    languages = ["en" if name in ("client-1", "client-3", "client-5") else "fr" for name in order]
    assert languages == sorted(languages)  # all English first, then all French
    assert [r.id for r in report.results] == sorted(order)  # the report keeps file order
