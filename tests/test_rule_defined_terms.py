"""Rule `defined-terms`, on the assembled text: terms defined once, used, and no undefined ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from clausier.lint import run_checks
from clausier.lint.rules.defined_terms import capitalised_runs, definitions, units, usage_pattern
from textedit import col_of, edit, line_of, rule_findings

RULE = "defined-terms"
BODY = "Le Prestataire assure une formation d'une demi-journée.\n"


def findings(root: Path, paths=None):
    return rule_findings(root, RULE, paths)


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
    first = line_of(repo / "clauses/parties/fr.md", '"le Prestataire"')  # where the parties clause names it
    assert "term “Prestataire” is defined twice: in Article 6 — Conditions particulières, first in the preamble " \
        f"(Entre les soussignés) (clauses/parties/fr.md:{first})" in finding.message
    assert finding.line == line_of(agreement, "(ci-après le « Prestataire »)")
    assert "assembled Markdown" not in finding.message


def test_a_term_defined_and_never_used_is_a_warning(repo, agreement):
    edit(agreement, BODY, "Le Client remet un cahier des charges (ci-après le « Cahier des charges »).\n")
    (finding,) = findings(repo)
    assert finding.level == "warning"
    assert "term “Cahier des charges” is defined in Article 6 — Conditions particulières but never used elsewhere" \
        in finding.message
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
    assert "“Final Report” in Clause 6 — Special conditions is capitalised like a defined term but is not defined" \
        in finding.message
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


# ---------------------------------------------------------------- what a ported contract writes (issue 22, item 7)


def special_conditions(repo: Path, language: str, body: str) -> Path:
    path = repo / "agreements/acme-fr.md"
    if language == "en":
        edit(path, "language: fr", "language: en")
    edit(path, BODY, body)
    return path


def test_usage_counts_possessives_and_irregular_plurals():
    assert usage_pattern("Customer").search("the Customer's premises")
    assert usage_pattern("Customer").search("the Customer’s premises")
    assert usage_pattern("Customer").search("the Customerʼs premises")  # the apostrophe some editors type
    assert usage_pattern("Party").search("both Parties’ representatives")
    assert usage_pattern("Deliverable").search("the Deliverables’ source files")
    assert usage_pattern("Losses").search("a Loss caused by the Client")
    assert usage_pattern("Tax").search("all Taxes are paid")
    assert usage_pattern("Travail").search("les Travaux sont réalisés")
    assert usage_pattern("Journal d'Activité").search("les Journaux d'Activité sont conservés")
    assert not usage_pattern("Customer").search("the Customers-first policy")


@pytest.mark.parametrize("language, body", [
    ("en", '"Losses" means all claims and costs. Each Party bears its own Loss.\n\n'
           '"Tax" means any levy. The Client pays the Taxes.\n'),
    ("en", "The Client’s staff test the Deliverables’ source files.\n\n"
           '"Deliverable" means each item the Provider hands over.\n'),
    ("fr", "On entend par « Travail » la mission confiée. Les Travaux ont lieu à Lyon.\n\n"
           "On entend par « Journal d'Activité » le registre tenu. Les Journaux d'Activité sont conservés.\n"),
    ("fr", "On entend par « Livrables » les documents remis. Chaque Livrable est réceptionné par le Client.\n"),
])
def test_plurals_and_possessives_are_uses(repo, language, body):
    special_conditions(repo, language, body)
    assert findings(repo) == []


@pytest.mark.parametrize("language, body", [
    ("en", "The Client returns the Customer Materials at the end of the Agreement.\n\n"
           '"Customer Materials" means what the Client provides.\n'),
    ("fr", "Les prestations sont réalisées sur le Site du Client.\n\n"
           "On entend par « Site » le lieu d'exécution des prestations.\n"),
])
def test_a_definition_may_come_after_the_first_use(repo, language, body):
    special_conditions(repo, language, body)
    assert findings(repo) == []


@pytest.mark.parametrize("language, body", [
    ("en", "(a) **Deemed Acceptance.** A deliverable is deemed accepted when the Client keeps silent; that "
           "acceptance does not waive the warranty.\n"),
    ("en", "**Service Level Credits.** A credit is due when a service level is missed.\n"),
    ("en", "- **Final Payment Date.** The last payment is due thirty days after delivery; the final date is "
           "fixed in writing.\n"),
    ("fr", "(a) **Réception Provisoire.** Le Client prononce la réception provisoire à la livraison.\n\n"
           "(b) **Recette Définitive Tacite** : la recette définitive tacite est acquise après trente jours.\n"),
])
def test_run_in_headings_are_not_terms(repo, language, body):
    special_conditions(repo, language, body)
    assert findings(repo) == []


def test_an_undefined_term_after_a_run_in_heading_is_still_found(repo):
    agreement = special_conditions(repo, "en", "(a) **Deemed Acceptance.** The Provider sends the Final Report; "
                                   "the report is deemed accepted after ten days and final once accepted.\n")
    (finding,) = findings(repo)
    assert "“Final Report” in Clause 6 — Special conditions is capitalised like a defined term" in finding.message
    assert (finding.path, finding.line) == ("agreements/acme-fr.md", line_of(agreement, "the Final Report"))


def test_a_finding_in_a_clause_points_at_the_clause_even_when_the_front_matter_names_the_term(repo, agreement):
    # The agreement's own title holds the word: the finding is still on the clause's line.
    edit(agreement, "template: mini", "template: mini\ntitle: Contrat à Plafond réduit")
    clause = repo / "clauses/liability/fr.md"
    edit(clause, "plafonnée au prix payé.", "plafonnée au prix payé.\n\nCe montant est le plafond (le « Plafond »).")
    (finding,) = findings(repo)
    assert (finding.path, finding.line, finding.col) == ("clauses/liability/fr.md", line_of(clause, "« Plafond »"),
                                                         col_of(clause, "« Plafond »"))
    assert finding.message.endswith("(in agreements/acme-fr.md)")


def test_a_clause_read_in_several_agreements_is_reported_once_naming_them(repo, agreement):
    (repo / "agreements/beta-fr.md").write_text(agreement.read_text().replace("Atelier Lumière SARL", "Beta SAS"))
    clause = repo / "clauses/liability/fr.md"
    edit(clause, "plafonnée au prix payé.", "plafonnée au prix payé (ci-après le « Plafond »).")
    (finding,) = findings(repo)
    assert (finding.path, finding.line) == ("clauses/liability/fr.md", line_of(clause, "« Plafond »"))
    assert "(in agreements/acme-fr.md, agreements/beta-fr.md)" in finding.message


def test_an_undefined_term_in_an_english_clause_points_at_its_line(repo, english):
    clause = repo / "clauses/termination/en.md"
    edit(clause, "The clauses survive.", "The clauses survive. The Exit Plan applies; the plan sets the exit in "
         "writing.")
    (finding,) = findings(repo)
    assert (finding.path, finding.line, finding.col) == ("clauses/termination/en.md", line_of(clause, "Exit Plan"),
                                                         col_of(clause, "Exit Plan"))


# ---------------------------------------------------------------- silencing a finding


IGNORE = "lint:\n  ignore:\n    - rule: defined-terms\n      term: {term}\n      reason: {reason}\n"


def with_cap_defined_in_the_clause(repo: Path) -> Path:
    clause = repo / "clauses/liability/fr.md"
    edit(clause, "plafonnée au prix payé.", "plafonnée au prix payé (ci-après le « Plafond »).")
    assert len(findings(repo)) == 1
    return repo / "clauses/liability/clause.yml"


def test_a_clause_silences_a_finding_with_a_reason(repo):
    meta = with_cap_defined_in_the_clause(repo)
    meta.write_text(meta.read_text() + IGNORE.format(term="Plafond", reason="Used by the special conditions "
                                                                            "of agreements that need it."))
    assert findings(repo) == []
    assert run_checks(repo) == []


def test_an_agreement_silences_a_finding_with_a_reason(repo, agreement):
    edit(agreement, BODY, "Le Client remet un cahier des charges (ci-après le « Cahier des charges »).\n")
    edit(agreement, "signature:", "lint:\n  ignore:\n    - {rule: defined-terms, term: Cahier des charges, "
         "reason: Repris dans l'avenant à venir.}\nsignature:")
    assert run_checks(repo) == []


def test_an_ignore_without_a_reason_is_an_error(repo):
    meta = with_cap_defined_in_the_clause(repo)
    meta.write_text(meta.read_text() + "lint:\n  ignore:\n    - rule: defined-terms\n      term: Plafond\n")
    errors = [f for f in run_checks(repo) if f.level == "error" and f.path == "clauses/liability/clause.yml"]
    assert [(f.line, f.field) for f in errors] == [(line_of(meta, "- rule: defined-terms"), "lint.ignore.0.reason")]
    assert "missing required field 'reason'" in errors[0].message


def test_an_empty_reason_in_an_agreement_is_an_error(repo, agreement):
    edit(agreement, "signature:", "lint:\n  ignore:\n    - {rule: defined-terms, term: Plafond, reason: ' '}\n"
         "signature:")
    (error,) = [f for f in run_checks(repo) if f.level == "error"]
    assert (error.path, error.line, error.field) == ("agreements/acme-fr.md", line_of(agreement, "reason: ' '"),
                                                     "lint.ignore.0.reason")
    assert "an ignore needs its reason" in error.message


def test_a_stale_ignore_is_a_warning(repo, agreement):
    meta = repo / "clauses/liability/clause.yml"
    meta.write_text(meta.read_text() + IGNORE.format(term="Plafond", reason="The cap is defined here."))
    edit(agreement, "signature:", "lint:\n  ignore:\n    - {rule: defined-terms, term: Forfait, reason: Ancien "
         "terme.}\nsignature:")
    stale = sorted((f.path, f.line, f.level, f.field) for f in findings(repo))
    assert stale == [("agreements/acme-fr.md", line_of(agreement, "term: Forfait"), "warning", "lint.ignore.0"),
                     ("clauses/liability/clause.yml", line_of(meta, "- rule: defined-terms"), "warning",
                      "lint.ignore.0")]
    assert all("silences nothing" in f.message for f in findings(repo))
