"""Parties: each party is identified without a mistake a reader could not catch.

A legal name; SIREN, SIRET and VAT numbers that pass their check digits (python-stdnum) and
agree with each other (the SIRET starts with the SIREN, a French VAT number ends with it);
an IBAN and a BIC that are valid and belong to the same bank (schwifty); well-formed e-mail
addresses; and a provider that is not the client. The client and the agreement's provider are
checked in the agreement; the organisation of clausier.yml, the default provider, in
clausier.yml itself.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable, Iterator

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret
from stdnum.util import get_cc_module

from ...errors import ContentError, Finding
from ...repository import CONFIG_FILE
from ...safefile import read_text
from ...yamlio import parse_yaml
from . import Rule

RULE_ID = "parties"

# A report function: (path inside the party, message, level) → Finding.
Report = Callable[[tuple, str, str], Finding]

# An address as people write it for notices: dot-atom local part, a domain of LDH labels
# and a top-level domain of letters (or an IDNA "xn--" label). No quoted local parts, no
# IP literals: they are legal but never what a contract means.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+(?:[A-Za-z]{{2,63}}|xn--[A-Za-z0-9-]{{1,59}})$")

# IBANs of France are used in its overseas departments and collectivities, whose banks
# have BICs with their own country codes.
_FRENCH_IBAN_AREA = {"FR", "GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF", "TF", "MC"}

# Legal forms left out when names are compared ("Atelier Lumière SARL" is "Atelier Lumière").
_FORMS = {"sa", "sas", "sasu", "sarl", "eurl", "sci", "snc", "scop", "selarl", "ei", "eirl", "ltd", "limited",
          "llc", "llp", "inc", "corp", "plc", "gmbh", "ag", "bv", "nv", "srl", "spa", "sl", "oy", "ab", "as"}


def _why(exc: Exception) -> str:
    if isinstance(exc, stdnum_errors.InvalidLength):
        return "it has the wrong number of characters"
    if isinstance(exc, stdnum_errors.InvalidFormat):
        return "it has characters that do not belong there"
    if isinstance(exc, stdnum_errors.InvalidChecksum):
        return "its check digits are wrong, so one character is mistyped"
    if isinstance(exc, stdnum_errors.InvalidComponent):
        return "its country prefix or one of its parts is unknown"
    return str(exc).rstrip(".").lower() or "it is malformed"


def _valid(module, value: str) -> tuple[str | None, str | None]:
    """(compact number, None) when valid, else (None, reason)."""
    try:
        return module.validate(value), None
    except stdnum_errors.ValidationError as exc:
        return None, _why(exc)


def _vat(value: str) -> tuple[str | None, str | None]:
    """A VAT number of an EU member state (eu.vat), or of another country stdnum knows."""
    compact = re.sub(r"[\s.\-]", "", value).upper()
    country = compact[:2].lower()
    if country in eu_vat.MEMBER_STATES or country == "el":
        return _valid(eu_vat, compact)
    module = get_cc_module(country, "vat") if country.isalpha() else None
    if module is None:
        return None, f"{compact[:2]!r} is not the country prefix of a VAT number (EU numbers start with FR, DE, BE…)"
    return _valid(module, compact)


def normalised_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = re.findall(r"[a-z0-9]+", text.replace(".", ""))
    return " ".join(w for w in words if w not in _FORMS)


def _identity(party) -> tuple[str | None, str | None]:
    """(SIREN, VAT) as compact strings, from whatever numbers are valid."""
    registration = party.registration
    siren = None
    if registration.siren and _valid(fr_siren, registration.siren)[0]:
        siren = fr_siren.compact(registration.siren)
    elif registration.siret and _valid(fr_siret, registration.siret)[0]:
        siren = fr_siret.compact(registration.siret)[:9]
    vat = None
    if registration.vat and _vat(registration.vat)[0]:
        vat = re.sub(r"[\s.\-]", "", registration.vat).upper()
    return siren, vat


def party_findings(party, report: Report) -> Iterator[Finding]:
    """Everything wrong with one party, reported at paths relative to the party."""
    if not party.name.strip():
        yield report(("name",), "the party has no legal name: write its name as registered (e.g. Atelier "
                     "Lumière SARL)", "error")
    registration = party.registration
    siren = siret = None
    if registration.siren is not None:
        siren, why = _valid(fr_siren, registration.siren)
        if why:
            yield report(("registration", "siren"), f"SIREN {registration.siren!r} is not valid: {why}; copy the "
                         "9 digits from the Kbis extract or annuaire-entreprises.data.gouv.fr", "error")
    if registration.siret is not None:
        siret, why = _valid(fr_siret, registration.siret)
        if why:
            yield report(("registration", "siret"), f"SIRET {registration.siret!r} is not valid: {why}; copy the "
                         "14 digits of the establishment from the Kbis extract", "error")
        elif siren and not siret.startswith(siren):
            yield report(("registration", "siret"), f"SIRET {registration.siret} does not start with the SIREN "
                         f"{siren}: the SIRET is the SIREN followed by 5 digits; one of them belongs to another "
                         "company", "error")
    if registration.vat is not None:
        vat, why = _vat(registration.vat)
        if why:
            yield report(("registration", "vat"), f"VAT number {registration.vat!r} is not valid: {why}; copy it "
                         "from an invoice or check it on the EU VIES service", "error")
        elif vat:
            compact = re.sub(r"[\s.\-]", "", registration.vat).upper()
            own = siren or (siret[:9] if siret else None)
            if compact.startswith("FR") and own and compact[-9:] != own:
                source = "SIREN" if siren else "SIRET"
                yield report(("registration", "vat"), f"French VAT number {registration.vat} does not contain the "
                             f"{source}'s {own}: a French VAT number is FR, a 2-character key and the SIREN; "
                             "correct one of them", "error")
    if party.email is not None:
        email = party.email.strip()
        if len(email) > 254 or not _EMAIL.match(email) or len(email.split("@")[0]) > 64:
            hint = " (remove 'mailto:')" if email.lower().startswith("mailto:") else ""
            yield report(("email",), f"e-mail address {party.email!r} is not well formed{hint}: write it as "
                         "name@domain.tld, without spaces or angle brackets", "error")
    if party.bank is not None:
        yield from _bank_findings(party.bank, report)


def _bank_findings(bank, report: Report) -> Iterator[Finding]:
    try:
        iban = IBAN(bank.iban, validate_bban=True)
    except SchwiftyException as exc:
        iban = None
        yield report(("bank", "iban"), f"IBAN {bank.iban!r} is not valid: {str(exc).rstrip('.').lower()}; copy it "
                     "from the bank's account details (RIB)", "error")
    try:
        bic = BIC(bank.bic)
    except SchwiftyException as exc:
        yield report(("bank", "bic"), f"BIC {bank.bic!r} is not valid: {str(exc).rstrip('.').lower()}; a BIC has 8 "
                     "or 11 characters: bank (4 letters), country (2), place (2), optional branch (3)", "error")
        return
    if iban is None:
        return
    same_area = {iban.country_code, bic.country_code} <= _FRENCH_IBAN_AREA
    if bic.country_code != iban.country_code and not same_area:
        yield report(("bank", "bic"), f"BIC {bic} is for a bank in {bic.country_code}, but the IBAN is an account "
                     f"in {iban.country_code}: correct the BIC or the IBAN", "error")
        return
    try:
        candidates = BIC.candidates_from_bank_code(iban.country_code, iban.bank_code)
    except (SchwiftyException, ValueError, KeyError, AttributeError):
        candidates = []
    if isinstance(candidates, BIC):
        candidates = [candidates]
    if candidates and not any(str(c)[:4] == str(bic)[:4] for c in candidates):
        known = str(candidates[0])
        name = getattr(iban, "bank_name", None) or "that bank"
        yield report(("bank", "bic"), f"BIC {bic} is not the IBAN's bank: bank code {iban.bank_code} is {name}, "
                     f"whose BIC is {known}; correct the BIC or the IBAN", "error")


def _same_entity(provider, client) -> str | None:
    p_siren, p_vat = _identity(provider)
    c_siren, c_vat = _identity(client)
    if p_siren and p_siren == c_siren:
        return f"the same SIREN ({p_siren})"
    if p_vat and p_vat == c_vat:
        return f"the same VAT number ({p_vat})"
    if p_siren and c_siren or p_vat and c_vat:
        return None  # both registered, under different numbers: group companies may share a name
    if normalised_name(provider.name) and normalised_name(provider.name) == normalised_name(client.name):
        return f"the same name ({client.name})"
    return None


def _organisation_positions(context):
    try:
        text = read_text(context.repo.root, CONFIG_FILE)
        return parse_yaml(text, CONFIG_FILE).positions
    except (OSError, UnicodeDecodeError, ContentError):
        return None


def check(context):
    config = context.repo.config
    uses_organisation = False
    for agreement in context.agreements:
        if agreement.file is None:
            continue
        model = agreement.file.model
        for role, party in agreement.parties():

            def report(path, message, level, role=role):
                return agreement.finding((role, *path), f"{role}: {message}", level, RULE_ID)

            yield from party_findings(party, report)
        provider = model.provider
        if provider is None:
            uses_organisation = True
            provider = config.organisation if config is not None else None
        if provider is not None:
            same = _same_entity(provider, model.client)
            if same:
                whose = "the provider" if model.provider is not None else "the organisation in clausier.yml"
                yield agreement.finding(("client", "name"), f"the client and {whose} have {same}: a company "
                                        "cannot contract with itself; check the client's details",
                                        "error", RULE_ID)
    if config is not None and (uses_organisation or not context.explicit_paths):
        positions = _organisation_positions(context)

        def report(path, message, level):
            full = ("organisation", *path)
            line, col = positions.of(full) if positions is not None else (0, 0)
            return Finding(CONFIG_FILE, line, col, level, f"organisation: {message}", ".".join(map(str, full)),
                           RULE_ID)

        yield from party_findings(config.organisation, report)


RULE = Rule(RULE_ID, "parties are identified by valid, consistent numbers, bank details and addresses", check)
