"""Rule `defined-terms`, on the assembled text: terms defined once, used, and no undefined ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from clausier.lint import build_context
from clausier.lint.rules.defined_terms import capitalised_runs, definitions, units, usage_pattern
from textedit import edit, line_of, rule_findings

RULE = "defined-terms"
BODY = "Le Prestataire assure une formation d'une demi-journée.\n"


def findings(root: Path, paths=None):
    return rule_findings(root, RULE, paths)


def assembled_line(root: Path, fragment: str) -> int:
    """The line of the assembled Markdown (build/<id>/<id>.md) holding a fragment."""
    (checked,) = build_context(root).agreements
    return next(i for i, line in enumerate(checked.assembled.markdown.split("\n"), 1) if fragment in line)


@pytest.fixture
def agreement(repo: Path) -> Path:
    return repo / "agreements/acme-fr.md"


@pytest.fixture
def english(repo: Path) -> Path:
    path = repo / "agreements/acme-fr.md"
    edit(path, "language: fr", "language: en")
    edit(path, BODY, "The Provider gives a half-day training session.\n")
    return path


def terms(markdown: str) -> list[str]:
    return [d.term for d in definitions(units(markdown))]


# ---------------------------------------------------------------- finding definitions


@pytest.mark.parametrize("text, term", [
    ("La société X, ci-après « le Client » ;", "Client"),
    ("La société X, ci-après dénommée « la Société » ;", "Société"),
    ("Le présent contrat (ci-après le « Contrat ») a pour objet", "Contrat"),
    ("les prestations décrites (les « Prestations ») sont", "Prestations"),
    ("le lieu indiqué (le « Site ») est", "Site"),
    ("le délai (ci-après le\u202f«\u202fDélai de vérification\u202f») court", "Délai de vérification"),
    ("« Informations confidentielles » désigne toute information", "Informations confidentielles"),
    ("On entend par « Livrables » les documents remis.", "Livrables"),
    ("- « Incident critique » : l'Incident qui bloque tout.", "Incident critique"),
    ("The services set out here (the \"Services\") include", "Services"),
    ("The services set out here (hereinafter \"Services\") include", "Services"),
    ("The company, hereinafter \"the Client\";", "Client"),
    ("\"Confidential Information\" means all information", "Confidential Information"),
    ("the equipment (together the “Equipment” and each an “Item of Equipment”):", "Equipment"),
    ("the period (the “Review Period”) starts", "Review Period"),
    ("the people engaged by the Provider, form the \"Team\".", "Team"),
    ("les personnes engagées pour le Spectacle, l'« Équipe ».", "Équipe"),
])
def test_definitions_in_french_and_english_quotes(text, term):
    assert term in terms(text)


def test_chained_definitions_are_each_defined():
    assert terms("Le Prestataire et le Client étant ci-après désignés ensemble « les Parties » et individuellement "
                 "« une Partie ».") == ["Parties", "Partie"]
    assert terms('The Provider and the Client are together referred to as "the Parties" and each as "a Party".') \
        == ["Parties", "Party"]


@pytest.mark.parametrize("text", [
    "Signature précédée de la mention « Lu et approuvé »",
    'Each invoice bears the words "Reverse charge".',
    "Les termes « données à caractère personnel » ont le sens du RGPD.",
    "sous le nom suivant : « Les Nuits Cuivrées » (ci-après la « Mention »)",
])
def test_quotations_that_define_nothing(text):
    assert "Lu et approuvé" not in terms(text) and "Reverse charge" not in terms(text)
    assert "Nuits Cuivrées" not in " ".join(terms(text)) and "données" not in " ".join(terms(text))


def test_usage_counts_plurals_and_elisions():
    assert usage_pattern("Partie").search("les Parties conviennent")
    assert usage_pattern("Party").search("both Parties agree")
    assert usage_pattern("Parties").search("each Party agrees")
    assert usage_pattern("Incident").search("l'Incident est clos")
    assert not usage_pattern("Client").search("la clientèle du client")
    assert not usage_pattern("Site").search("le Site-web")


def test_runs_skip_the_first_word_of_a_sentence():
    runs = [" ".join(words) for _, words in capitalised_runs("Final Report due. The Provider sends the Final Report.")]
    assert runs == ["Report", "Provider", "Final Report"]


# ---------------------------------------------------------------- findings on agreements


def test_the_mini_agreements_pass(repo, english):
    assert findings(repo) == []


def test_a_term_defined_twice_is_a_warning(repo, agreement):
    edit(agreement, BODY, "Le Prestataire (ci-après le « Prestataire ») assure une formation.\n")
    (finding,) = findings(repo)
    assert (finding.rule, finding.level, finding.path) == (RULE, "warning", "agreements/acme-fr.md")
    line = assembled_line(repo, "(ci-après le « Prestataire »)")
    assert f"term “Prestataire” is defined twice: in Article 6 — Conditions particulières (assembled Markdown line " \
        f"{line}), first in the preamble (Entre les soussignés)" in finding.message
    assert finding.line == line_of(agreement, "(ci-après le « Prestataire »)")


def test_a_term_defined_and_never_used_is_a_warning(repo, agreement):
    edit(agreement, BODY, "Le Client remet un cahier des charges (ci-après le « Cahier des charges »).\n")
    (finding,) = findings(repo)
    assert finding.level == "warning"
    line = assembled_line(repo, "« Cahier des charges »")
    assert f"term “Cahier des charges” is defined in Article 6 — Conditions particulières (assembled Markdown line " \
        f"{line}) but never used afterwards" in finding.message
    assert finding.line == line_of(agreement, "« Cahier des charges »")


def test_a_term_defined_and_used_passes(repo, agreement):
    edit(agreement, BODY, "Le Client remet un cahier des charges (ci-après le « Cahier des charges »).\n\n"
         "Le Prestataire réalise le site conformément au Cahier des charges.\n")
    assert findings(repo) == []


def test_an_undefined_capitalised_term_is_a_warning(repo, english):
    edit(english, "The Provider gives a half-day training session.\n",
         "The Provider sends the Final Report to the Client. Each report is final once accepted.\n")
    (finding,) = findings(repo)
    assert finding.level == "warning"
    line = assembled_line(repo, "the Final Report")
    assert f"“Final Report” in Clause 6 — Special conditions (assembled Markdown line {line}) is capitalised like a " \
        "defined term but is not defined" in finding.message
    assert finding.line == line_of(english, "the Final Report") and finding.col == len("The Provider sends the ") + 1


def test_a_defined_capitalised_term_passes(repo, english):
    edit(english, "The Provider gives a half-day training session.\n",
         'The Provider sends a written report (the "Final Report"). Each report is final once accepted. '
         "The Final Report is sent to the Client.\n")
    assert findings(repo) == []


def test_names_from_the_front_matter_and_legal_references_are_not_terms(repo, english):
    edit(english, "The Provider gives a half-day training session.\n",
         "The Provider trains the team of Claire Martin in Lyon, as the French Civil Code permits, "
         "and in the United Kingdom.\n")
    assert findings(repo) == []


def test_a_term_defined_in_a_clause_is_reported_on_the_agreement_with_its_article(repo, agreement):
    clause = repo / "clauses/liability/fr.md"
    edit(clause, "plafonnée au prix payé.", "plafonnée au prix payé (ci-après le « Plafond »).")
    (finding,) = findings(repo)
    # Reported at the clause file and line (issue 20, item 13), naming the agreement it was read in.
    assert (finding.path, finding.line, finding.level) == ("clauses/liability/fr.md", line_of(clause, "Plafond"),
                                                           "warning")
    assert "term “Plafond” is defined in Article 3 — Responsabilité but never used" in finding.message
    assert "(in agreements/acme-fr.md)" in finding.message and "assembled Markdown" not in finding.message
    edit(agreement, BODY, "Le Plafond ne s'applique pas en cas de faute lourde.\n")
    assert findings(repo) == []
