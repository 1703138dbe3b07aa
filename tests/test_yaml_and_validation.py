"""Loading: positions, duplicate keys, unknown keys, every error at once."""

from __future__ import annotations

import pytest

from clausier.errors import ContentError
from clausier.models import Agreement
from clausier.validation import validate
from clausier.yamlio import parse_yaml, split_front_matter


def test_positions_are_one_based_and_offset_by_the_front_matter():
    document = split_front_matter("---\ntemplate: x\nfees:\n  amount: 12\n---\nbody\n", "a.md").meta
    assert document.positions.of(("template",), prefer_key=True) == (2, 1)
    assert document.positions.of(("fees", "amount")) == (4, 11)


def test_duplicate_key_is_an_error_with_its_place():
    with pytest.raises(ContentError) as caught:
        split_front_matter("---\nfees: 1\nclient: x\nfees: 2\n---\n", "agreements/a.md")
    finding = caught.value.findings[0]
    assert (finding.path, finding.line, finding.col) == ("agreements/a.md", 4, 1)
    assert "duplicate key" in finding.message and '"fees"' in finding.message


def test_yaml_syntax_error_has_its_place():
    with pytest.raises(ContentError) as caught:
        parse_yaml("a: [1, 2\nb: 3\n", "x.yml")
    assert caught.value.findings[0].line >= 1
    assert "YAML syntax error" in caught.value.findings[0].message


def test_missing_or_unclosed_front_matter():
    with pytest.raises(ContentError, match="missing front matter"):
        split_front_matter("template: x\n", "a.md")
    with pytest.raises(ContentError, match="not closed"):
        split_front_matter("---\ntemplate: x\n", "a.md")


def test_dates_stay_text_until_the_model_so_a_bad_date_gets_a_place():
    document = parse_yaml("effective_date: 2026-13-01\n", "a.md")
    assert document.data["effective_date"] == "2026-13-01"


def test_money_never_goes_through_binary_floats():
    assert str(parse_yaml("amount: 0.1\n", "a").data["amount"]) == "0.1"


BAD_AGREEMENT = """\
---
template: general-services
client:
  name: Atelier
  adress: 12 rue des Lilas
feess: 12000
fees: {model: fixd, amount: -3}
effective_date: 2026-13-01
schedule:
  - {when: signature}
---
"""


def test_every_problem_is_reported_with_file_line_column_and_field():
    parsed = split_front_matter(BAD_AGREEMENT, "agreements/bad.md")
    model, findings = validate(Agreement, parsed.meta, "agreements/bad.md")
    assert model is None
    shown = sorted(str(f) for f in findings)
    expected = {
        "agreements/bad.md:3:1: error: missing required field 'address' (client.address)",
        "agreements/bad.md:5:3: error: unknown key 'adress': did you mean 'address'? (client.adress)",
        "agreements/bad.md:6:1: error: unknown key 'feess': did you mean 'fees'? (feess)",
    }
    assert expected <= set(shown)
    by_field = {f.field: f for f in findings}
    assert by_field["fees.model"].line == 7 and "'fixed'" in by_field["fees.model"].message
    assert by_field["fees.amount"].line == 7 and "greater than 0" in by_field["fees.amount"].message
    assert by_field["effective_date"].line == 8
    assert by_field["schedule.0"].line == 10 and "percent or amount" in by_field["schedule.0"].message



from clausier.yamlio import _round_trip  # noqa: E402

from conftest import PROJECT  # noqa: E402

TRICKY = """\
a: yes
b: no
c: on
e: 1:30
f: 2026-12-01
i: ~
j: "true"
k: True
l: [1, 2.50, -3]
m: {x: null, y: ''}
n: !!str 12
o: {p: 1}
"""


def _both(text: str):
    return parse_yaml(text, "t.yml").data, _round_trip(text, "t.yml", 0).data


def test_the_fast_parser_reads_yaml_1_2_exactly_like_the_round_trip_parser():
    fast, full = _both(TRICKY)
    assert fast == full
    assert fast["a"] == "yes" and fast["c"] == "on" and fast["e"] == "1:30" and fast["f"] == "2026-12-01"
    assert fast["n"] == "12" and fast["o"] == {"p": 1}
    fast, full = _both("d: 0123\n")  # YAML 1.1 would read an octal number
    assert fast == full


@pytest.mark.parametrize("text, place", [("g: .inf\n", "t.yml:1:4"), ("h: 1e3\n", "t.yml:1:4"),
                                         ("o: &anchor {p: 1}\n", "t.yml:1:4"), ("o: {p: 1}\nq: *o\n", "t.yml:2:4")])
def test_what_content_yaml_refuses_is_refused_the_same_way_on_both_paths(text, place):
    """Infinities, exponents, anchors and aliases (tests/hostile/test_yaml_and_budget.py has them all)."""
    errors = []
    for parse in (lambda: parse_yaml(text, "t.yml"), lambda: _round_trip(text, "t.yml", 0)):
        with pytest.raises(ContentError) as caught:
            parse()
        errors.append(str(caught.value))
    assert errors[0] == errors[1] and errors[0].startswith(f"{place}: error: ")


def test_every_content_file_of_the_project_parses_the_same_both_ways():


    files = [*PROJECT.glob("clauses/*/*"), *PROJECT.glob("agreements/*.md"), *PROJECT.glob("templates/*.md.j2"),
             PROJECT / "clausier.yml"]
    assert len(files) > 50
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".yml":
            meta = text
        elif text.startswith("---\n"):
            meta = text[4:text.index("\n---\n", 4)]
        else:
            continue
        fast, full = _both(meta)
        assert fast == full, path


def test_positions_are_worked_out_only_when_asked_and_still_exact():
    document = parse_yaml("a: 1\nb:\n  c: x\n", "t.yml", line_offset=3)
    assert document._positions is None
    assert document.positions.of(("b", "c")) == (6, 6)


def test_a_loaded_agreement_works_out_its_positions_only_when_an_error_needs_one(tmp_path, monkeypatch):
    from clausier import yamlio
    from clausier.repository import load_agreement, load_repository

    from conftest import make_repo

    root = make_repo(tmp_path / "repo")
    parses = []
    full_parse = yamlio._round_trip
    monkeypatch.setattr(yamlio, "_round_trip", lambda *args: parses.append(args) or full_parse(*args))
    agreement = load_agreement(load_repository(root), root / "agreements/acme-fr.md")
    assert parses == []  # a valid agreement never pays for the position-keeping parse
    text = (root / "agreements/acme-fr.md").read_text()
    line = text.split("\n").index(next(l for l in text.split("\n") if l.startswith("template:"))) + 1
    assert agreement.positions.of(("template",), prefer_key=True) == (line, 1)
    assert len(parses) == 1
