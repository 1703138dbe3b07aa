"""Rule `parties`: names, registration numbers, bank details, e-mail addresses, two distinct parties."""

from __future__ import annotations

from pathlib import Path

import pytest

from clausier.lint import run_checks

from textedit import col_of, edit, line_of, rule_findings

RULE = "parties"
CLIENT_REGISTRATION = 'registration: {siren: "791358245", rcs: Lyon, vat: FR38791358245}'


def findings(root: Path, paths=None):
    return rule_findings(root, RULE, paths)


@pytest.fixture
def agreement(repo: Path) -> Path:
    return repo / "agreements/acme-fr.md"


PROVIDER = """provider:
  name: Rhône Cuisine Maintenance
  form: SAS
  registration: {siren: "843617523", siret: "84361752300017", vat: FR70843617523}
  address: 27 rue Francis de Pressensé, 69100 Villeurbanne
  email: assistance@rhone-cuisine.example
  bank: {iban: FR7630002009500000729451202, bic: CRLYFRPP}
client:
"""


def test_valid_parties_pass(repo, agreement):
    assert findings(repo) == []
    edit(agreement, CLIENT_REGISTRATION,
         'registration: {siren: "791358245", siret: "79135824500011", rcs: Lyon, vat: FR38791358245}')
    edit(agreement, "client:\n", PROVIDER)
    assert findings(repo) == []


def test_a_blank_legal_name_is_an_error(repo, agreement):
    edit(agreement, "  name: Atelier Lumière SARL", '  name: " "')
    (finding,) = findings(repo)
    assert (finding.level, finding.line, finding.field) == ("error", line_of(agreement, 'name: " "'), "client.name")
    assert "no legal name" in finding.message


@pytest.mark.parametrize("old, new, field, fragment", [
    ('siren: "791358245"', 'siren: "791358246"', "siren", "SIREN '791358246' is not valid: its check digits"),
    ('siren: "791358245"', 'siren: "79135824"', "siren", "wrong number of characters"),
    ("vat: FR38791358245", "vat: FR38791358246", "vat", "VAT number 'FR38791358246' is not valid"),
    ("vat: FR38791358245", "vat: US38791358245", "vat", "'US' is not the country prefix"),
    ("rcs: Lyon", 'siret: "79135824500012", rcs: Lyon', "siret", "SIRET '79135824500012' is not valid"),
])
def test_invalid_registration_numbers_are_errors_at_their_place(repo, agreement, old, new, field, fragment):
    edit(agreement, old, new)
    (finding,) = findings(repo)
    assert finding.level == "error" and fragment in finding.message
    assert finding.field == f"client.registration.{field}"
    assert finding.line == line_of(agreement, new)
    # In a flow mapping the place is the key's (or the value's, when the YAML reader knows it).
    assert finding.col in (col_of(agreement, f"{field}:"), col_of(agreement, new.split(": ", 1)[1]))


def test_a_siret_of_another_company_is_an_error(repo, agreement):
    edit(agreement, "rcs: Lyon", 'siret: "85274196600018", rcs: Lyon')
    (finding,) = findings(repo)
    assert finding.level == "error" and finding.field == "client.registration.siret"
    assert "does not start with the SIREN 791358245" in finding.message
    assert finding.line == line_of(agreement, "85274196600018")


def test_a_french_vat_number_of_another_company_is_an_error(repo, agreement):
    edit(agreement, "vat: FR38791358245", "vat: FR96852741966")  # valid, but the organisation's
    messages = [f.message for f in findings(repo) if f.field == "client.registration.vat"]
    assert len(messages) == 1 and "does not contain the SIREN's 791358245" in messages[0]


def test_a_foreign_vat_number_is_checked_with_its_own_rules(repo, agreement):
    edit(agreement, CLIENT_REGISTRATION, 'registration: {company_number: "654321", vat: IE6543217I}')
    assert findings(repo) == []
    edit(agreement, "vat: IE6543217I", "vat: IE6543218I")
    (finding,) = findings(repo)
    assert finding.level == "error" and "check digits" in finding.message


@pytest.mark.parametrize("address", ["claire.martin@example", "claire martin@example.fr", "mailto:c@example.fr",
                                     "claire..martin@example.fr", "<claire@example.fr>", "claire@-example.fr"])
def test_malformed_email_addresses_are_errors(repo, agreement, address):
    edit(agreement, "email: claire.martin@example.fr", f'email: "{address}"')
    (finding,) = findings(repo)
    assert (finding.level, finding.field) == ("error", "client.email")
    assert finding.line == line_of(agreement, "  email:") and "not well formed" in finding.message


@pytest.mark.parametrize("address", ["claire.martin@example.fr", "c+contrats@atelier-lumiere.example",
                                     "o'neil@sub.example.co.uk"])
def test_well_formed_email_addresses_pass(repo, agreement, address):
    edit(agreement, "email: claire.martin@example.fr", f'email: "{address}"')
    assert findings(repo) == []


@pytest.mark.parametrize("bank, field, fragment", [
    ("{iban: FR7630002009500000729451203, bic: CRLYFRPP}", "iban", "IBAN 'FR7630002009500000729451203' is not valid"),
    ("{iban: FR7630002009500000729451202, bic: CRLY}", "bic", "BIC 'CRLY' is not valid"),
    ("{iban: FR7630002009500000729451202, bic: COBADEFFXXX}", "bic", "for a bank in DE, but the IBAN is an account in FR"),
    ("{iban: FR7630002009500000729451202, bic: BNPAFRPP}", "bic", "is not the IBAN's bank: bank code 30002"),
])
def test_bank_details_are_valid_and_consistent(repo, agreement, bank, field, fragment):
    edit(agreement, "client:\n", PROVIDER.replace("{iban: FR7630002009500000729451202, bic: CRLYFRPP}", bank))
    (finding,) = findings(repo)
    assert finding.level == "error" and fragment in finding.message and finding.message.startswith("provider: ")
    assert finding.field == f"provider.bank.{field}"
    assert finding.line == line_of(agreement, "  bank: {iban:")


def test_a_branch_bic_of_the_ibans_bank_passes(repo, agreement):
    edit(agreement, "client:\n", PROVIDER.replace("{iban: FR7630002009500000729451202, bic: CRLYFRPP}",
                                                  "{iban: FR7616807000413821596041767, bic: CCBPFRPPGRE}"))
    assert findings(repo) == []


@pytest.mark.parametrize("old, new, fragment", [
    (CLIENT_REGISTRATION, 'registration: {siren: "852741966", rcs: Lyon}', "the same SIREN (852741966)"),
    (CLIENT_REGISTRATION, "registration: {vat: FR96852741966}", "the same VAT number (FR96852741966)"),
    (CLIENT_REGISTRATION, "registration: {rcs: Lyon}", "the same name"),
])
def test_the_client_is_not_the_organisation(repo, agreement, old, new, fragment):
    edit(agreement, old, new)
    if fragment == "the same name":
        edit(agreement, "  name: Atelier Lumière SARL", "  name: CLAIR-OBSCUR Studio, SAS")
    (finding,) = [f for f in findings(repo) if "contract with itself" in f.message]
    assert finding.level == "error" and fragment in finding.message
    assert "organisation in clausier.yml" in finding.message
    assert (finding.field, finding.line) == ("client.name", line_of(agreement, "  name:"))


def test_a_namesake_with_its_own_registration_is_another_company(repo, agreement):
    edit(agreement, "  name: Atelier Lumière SARL", "  name: Clair Obscur Studio")
    assert findings(repo) == []


def test_the_client_is_not_the_agreements_own_provider(repo, agreement):
    edit(agreement, "client:\n", PROVIDER)
    edit(agreement, CLIENT_REGISTRATION, 'registration: {siret: "84361752300025"}')
    (finding,) = findings(repo)
    assert "the client and the provider have the same SIREN (843617523)" in finding.message


def test_the_organisation_is_checked_in_clausier_yml(repo):
    config = repo / "clausier.yml"
    edit(config, "siret: \"85274196600018\"", "siret: \"85274196600019\"")
    edit(config, "email: contrats@clair-obscur.example", "email: contrats@clair-obscur")
    found = sorted(findings(repo), key=lambda f: f.line)
    assert [(f.path, f.level, f.field) for f in found] == [
        ("clausier.yml", "error", "organisation.registration.siret"),
        ("clausier.yml", "error", "organisation.email"),
    ]
    assert found[0].line == line_of(config, "85274196600019") and found[0].col == col_of(config, '"85274196600019"')
    assert found[1].line == line_of(config, "contrats@clair-obscur")
    assert found[0].message.startswith("organisation: SIRET")


def test_the_organisation_is_not_checked_for_a_named_agreement_with_its_own_provider(repo, agreement):
    edit(repo / "clausier.yml", "siret: \"85274196600018\"", "siret: \"85274196600019\"")
    edit(agreement, "client:\n", PROVIDER)
    assert [f for f in run_checks(repo, [agreement]) if f.rule == RULE] == []
    assert len(findings(repo)) == 1  # the whole repository: the organisation is still checked
