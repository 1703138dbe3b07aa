"""The parties block as a client reads it (issue 20, item 11): no legal form said twice, a round
share capital without cents. Checked on the project's own library and example agreements."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clausier.assemble import assemble
from clausier.formatting import money
from clausier.repository import load_agreement, load_repository
from conftest import PROJECT


@pytest.fixture(scope="module")
def library():
    return load_repository(PROJECT)


def _parties(library, agreement: str) -> str:
    markdown = assemble(library, load_agreement(library, PROJECT / "agreements" / agreement)).markdown
    return markdown.split("Article 1")[0]


def test_a_name_that_ends_with_its_legal_form_is_not_followed_by_it_again(library):
    text = _parties(library, "2026-014-atelier-lumiere.md")  # client: Atelier Lumière SARL, form SARL
    assert "**Atelier Lumière SARL** au capital de 8\u202f000\u00a0€" in text
    assert "SARL, SARL" not in text
    assert "**Clair Obscur Studio**, SAS au capital de 20\u202f000\u00a0€" in text  # a form not in the name


def test_a_round_share_capital_has_no_cents_in_either_language(library):
    assert "with a share capital of €20,000," in _parties(library, "2026-021-harbour-light.md")


@pytest.mark.parametrize("value, language, expected", [
    ("8000", "fr", "8\u202f000\u00a0€"), ("8000.50", "fr", "8\u202f000,50\u00a0€"),
    ("20000", "en", "€20,000"), ("20000.05", "en", "€20,000.05"),
])
def test_whole_money_drops_only_zero_cents(value, language, expected):
    assert money(Decimal(value), "EUR", language, whole=True) == expected
    if "." not in value:
        assert money(Decimal(value), "EUR", language) != expected  # a price keeps its cents
