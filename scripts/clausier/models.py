"""One typed model per kind of file. Unknown keys are errors everywhere."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema,
                      model_validator)

from .durations import Duration, parse_duration
from .bounds import MAX_NUMBER, plain_number, sane_date
from .currencies import check_currency

LANGUAGES = ("fr", "en")

# Category id → label per language (the handbook and the completeness check use them).
CATEGORIES: dict[str, dict[str, str]] = {
    "parties": {"fr": "Parties", "en": "Parties"},
    "scope": {"fr": "Objet et périmètre", "en": "Purpose and scope"},
    "acceptance": {"fr": "Réception", "en": "Acceptance"},
    "fees": {"fr": "Prix", "en": "Fees"},
    "payment": {"fr": "Paiement", "en": "Payment"},
    "duration": {"fr": "Durée", "en": "Term"},
    "obligations": {"fr": "Obligations des parties", "en": "Obligations"},
    "subcontracting": {"fr": "Sous-traitance", "en": "Subcontracting"},
    "non-solicitation": {"fr": "Non-sollicitation", "en": "Non-solicitation"},
    "confidentiality": {"fr": "Confidentialité", "en": "Confidentiality"},
    "data": {"fr": "Données personnelles", "en": "Personal data"},
    "ip": {"fr": "Propriété intellectuelle", "en": "Intellectual property"},
    "warranties": {"fr": "Garanties", "en": "Warranties"},
    "liability": {"fr": "Responsabilité", "en": "Liability"},
    "insurance": {"fr": "Assurance", "en": "Insurance"},
    "force-majeure": {"fr": "Force majeure", "en": "Force majeure"},
    "termination": {"fr": "Résiliation", "en": "Termination"},
    "disputes": {"fr": "Litiges", "en": "Disputes"},
    "law": {"fr": "Droit applicable", "en": "Governing law"},
    "general": {"fr": "Dispositions générales", "en": "General provisions"},
    "signatures": {"fr": "Signatures", "en": "Signatures"},
}
Category = Literal[tuple(CATEGORIES)]  # type: ignore[valid-type]

DurationValue = Annotated[
    Duration,
    BeforeValidator(parse_duration),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^\s*\d+\s*\S+\s*$", "examples": ["30 days", "2 months", "1 year"]}),
]
# Numbers in plain digits, finite (no "1e999999999" as text), bounded by the fields below.
PlainDecimal = Annotated[Decimal, BeforeValidator(plain_number)]
Amount = Annotated[Decimal, Field(gt=0, le=MAX_NUMBER), BeforeValidator(plain_number)]
Percent = Annotated[Decimal, Field(gt=0, le=100), BeforeValidator(plain_number)]
# Dates a contract can hold: years 1900 to 2999, so that adding a term to them never overflows.
ContractDate = Annotated[dt.date, AfterValidator(sane_date)]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
# An ISO 4217 code every language can write in words: checked here, on the agreement's line,
# rather than when a clause first prints it.
Currency = Annotated[str, BeforeValidator(check_currency),
                     WithJsonSchema({"type": "string", "pattern": r"^[A-Z]{3}$", "examples": ["EUR", "GBP", "SEK"]})]
# Parameter names are used in Jinja as params.<name>: letters, digits, underscores.
ParameterName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class Strict(BaseModel):
    # defer_build: a model's validator is built when first used, not at import; a build that
    # validates one agreement does not pay for the models only checks and the handbook use.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Localized(Strict):
    fr: str
    en: str

    def __getitem__(self, language: str) -> str:
        return getattr(self, language)


# ---------------------------------------------------------------- parties


class Registration(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)
    siren: Optional[str] = Field(None, description="French SIREN (9 digits)")
    siret: Optional[str] = Field(None, description="French SIRET of the establishment (14 digits)")
    rcs: Optional[str] = Field(None, description="City of the trade register (RCS), e.g. Lyon")
    vat: Optional[str] = Field(None, description="EU VAT number, e.g. FR40123456789")
    company_number: Optional[str] = Field(None, description="Company number outside France")


class Representative(Strict):
    name: str = Field(description="Person who signs")
    title: str = Field(description="Their capacity, e.g. Gérante, Managing Director")


class BankAccount(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)
    iban: str = Field(description="IBAN shown for bank transfers")
    bic: str = Field(description="BIC of the bank")
    holder: Optional[str] = Field(None, description="Account holder, when not the party itself")
    bank: Optional[str] = Field(None, description="Name of the bank")


class Party(Strict):
    name: str = Field(min_length=1, description="Legal name")
    form: Optional[str] = Field(None, description="Legal form, e.g. SAS, SARL, Ltd")
    capital: Optional[Amount] = Field(None, description="Share capital, in the fees' currency")
    registration: Registration = Field(default_factory=Registration, description="Registration numbers")
    address: str = Field(min_length=1, description="Registered office address")
    representative: Optional[Representative] = Field(None, description="Who signs for the party")
    email: Optional[str] = Field(None, description="Contact e-mail for notices")
    phone: Optional[str] = Field(None, description="Contact telephone")
    bank: Optional[BankAccount] = Field(None, description="Bank details (provider)")
    kind: Literal["business", "consumer"] = Field("business", description="Business client or consumer")


# ---------------------------------------------------------------- agreement


class Renewal(Strict):
    period: DurationValue = Field(description="Length of each renewal, e.g. 12 months")
    notice: DurationValue = Field(description="Notice to stop the renewal, e.g. 2 months")


class Term(Strict):
    start: Optional[ContractDate] = Field(None, description="Start of the services (default: effective date)")
    end: Optional[ContractDate] = Field(None, description="End date")
    duration: Optional[DurationValue] = Field(None, description="Fixed term instead of an end date")
    renewal: Optional[Renewal] = Field(None, description="Tacit renewal, if any")

    @model_validator(mode="after")
    def _end_or_duration(self) -> "Term":
        if self.end is not None and self.duration is not None:
            raise ValueError("give either term.end or term.duration, not both")
        return self


class Services(Strict):
    description: Optional[str] = Field(None, description="One-sentence description of the services")
    tasks: list[str] = Field(default_factory=list, description="Tasks performed")
    deliverables: list[str] = Field(default_factory=list, description="Deliverables handed over")
    exclusions: list[str] = Field(default_factory=list, description="What is not included")
    client_provides: list[str] = Field(default_factory=list, description="What the client supplies")
    location: Optional[str] = Field(None, description="Where the services are performed")


class Fees(Strict):
    model: Literal["fixed", "daily", "hourly", "retainer"] = Field(
        description="fixed price, daily rate, hourly rate or monthly retainer"
    )
    amount: Amount = Field(description="Fixed price, daily/hourly rate or monthly retainer")
    currency: Currency = Field("EUR", description="ISO 4217 currency code, in capitals")
    estimate: Optional[Amount] = Field(None, description="Estimated days or hours (rate models)")
    expenses: Literal["included", "reimbursed", "none"] = Field("none", description="Travel and other expenses")
    tax: Literal["excluded", "included"] = Field("excluded", description="Amounts before (excluded) or with VAT")


class Milestone(Strict):
    when: str = Field(min_length=1, description="Event that makes the instalment due")
    percent: Optional[Percent] = Field(None, description="Share of the total price")
    amount: Optional[Amount] = Field(None, description="Amount, instead of a percent")
    date: Optional[ContractDate] = Field(None, description="Expected date")

    @model_validator(mode="after")
    def _percent_or_amount(self) -> "Milestone":
        if (self.percent is None) == (self.amount is None):
            raise ValueError("give either percent or amount for each instalment")
        return self


PaymentMethod = Literal["bank_transfer", "card", "direct_debit", "online", "cheque"]


class Payment(Strict):
    due_days: int = Field(30, ge=0, le=365, description="Days from invoice to payment")
    methods: list[PaymentMethod] = Field(default_factory=lambda: ["bank_transfer"], description="Accepted methods")


class SignatureInfo(Strict):
    place: Optional[str] = Field(None, description="Where the contract is signed")
    date: Optional[ContractDate] = Field(None, description="Date of signature")


class ClauseChoices(Strict):
    omit: list[Identifier] = Field(default_factory=list, description="Optional clauses left out")
    add: list[Identifier] = Field(default_factory=list, description="Extra clauses, placed before special conditions")
    variants: dict[str, Identifier] = Field(default_factory=dict, description="Clause id → variant")
    parameters: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Clause id → parameter values")


class Approval(Strict):
    variant: Optional[str] = Field(None, description="clause/variant approved, e.g. liability/fallback-1")
    parameter: Optional[str] = Field(None, description="clause.parameter approved outside its standard range")
    by: str = Field(description="Who approved")
    on: ContractDate = Field(description="When")


class Signed(Strict):
    """What `clausier sign-off` records: the text is frozen from then on."""

    on: ContractDate = Field(description="Date of signature")
    commit: str = Field(pattern=r"^[0-9a-f]{40}$", description="Commit of the library the text was rendered from")
    source_sha256: str = Field(pattern=r"^[0-9a-f]{64}$",
                               description="Hash of this agreement's own front matter (without `signed`) and body")
    markdown_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="Hash of the assembled Markdown")
    pdf_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="Hash of the signed PDF")


class Agreement(Strict):
    id: Optional[str] = Field(None, description="Identifier: the file name without .md")
    template: Identifier = Field(description="Contract type: a file templates/<template>.md.j2")
    language: Optional[Literal["fr", "en"]] = Field(None, description="Language (default: clausier.yml)")
    status: Literal["draft", "review", "signed"] = Field("draft", description="Life-cycle status")
    version: int = Field(1, ge=1, le=1_000_000, description="Version shown in the running header")
    title: Optional[str] = Field(None, description="Title, instead of the template's")
    reference: Optional[str] = Field(None, description="Reference shown on every page (default: id)")
    provider: Optional[Party] = Field(None, description="Provider (default: organisation in clausier.yml)")
    client: Party = Field(description="The client")
    effective_date: ContractDate = Field(description="Date the contract takes effect")
    term: Term = Field(default_factory=Term, description="Duration and renewal")
    services: Services = Field(default_factory=Services, description="Scope of the services")
    fees: Fees = Field(description="Price")
    schedule: list[Milestone] = Field(default_factory=list, description="Payment schedule")
    payment: Payment = Field(default_factory=Payment, description="Payment terms")
    signature: SignatureInfo = Field(default_factory=SignatureInfo, description="Place and date of signature")
    clauses: ClauseChoices = Field(default_factory=ClauseChoices, description="Clause choices")
    approvals: list[Approval] = Field(default_factory=list, description="Approvals of non-standard terms")
    amends: Optional[str] = Field(None, description="Id of the signed agreement this one amends")
    signed: Optional[Signed] = Field(None, description="Written by `clausier sign-off`; do not edit by hand")


# ---------------------------------------------------------------- clauses

Bound = Annotated[Decimal, Field(ge=-MAX_NUMBER, le=MAX_NUMBER), BeforeValidator(plain_number)]
ParameterType = Literal["int", "decimal", "money", "date", "duration", "enum", "text", "list"]


class StandardRange(Strict):
    """The values sales may use without an approval (the playbook's standard position)."""

    min: Optional[Bound] = None
    max: Optional[Bound] = None
    choices: Optional[list[str]] = None


class Parameter(Strict):
    type: ParameterType
    default: Any = None  # checked against its type by parameters.coerce_parameter (repository.py)
    min: Optional[Bound] = None
    max: Optional[Bound] = None
    choices: Optional[list[str]] = None
    label: Localized
    standard: Optional[StandardRange] = None


class Variant(Strict):
    approval: str = Field(description="Who must approve the use of this variant")
    label: Localized


class ClauseMeta(Strict):
    category: Category
    version: str = Field(pattern=r"^\d+(\.\d+){0,2}$")
    tags: list[str] = Field(default_factory=list)
    parameters: dict[ParameterName, Parameter] = Field(default_factory=dict)
    variants: dict[Identifier, Variant] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _standard_is_implicit(self) -> "ClauseMeta":
        if "standard" in self.variants:
            raise ValueError("'standard' is the text in fr.md/en.md; do not list it under variants")
        return self


class Guidance(Strict):
    when: str
    negotiation: str
    risks: str


class ClauseText(Strict):
    title: str
    summary: str
    guidance: Guidance


class VariantText(Strict):
    title: Optional[str] = None
    summary: str
    guidance: Guidance


# ---------------------------------------------------------------- templates


class ClauseSlot(Strict):
    id: Identifier
    optional: bool = False


class TemplateMeta(Strict):
    title: Localized
    description: Localized
    requires: list[Category] = Field(default_factory=list)
    preamble: list[Identifier] = Field(default_factory=list)
    clauses: list[Union[Identifier, ClauseSlot]]
    closing: list[Identifier] = Field(default_factory=list)
    parameters: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def slots(self) -> list[ClauseSlot]:
        return [ClauseSlot(id=s) if isinstance(s, str) else s for s in self.clauses]


# ---------------------------------------------------------------- organisation


class Colors(Strict):
    primary: str = Field("#1f3a5f", pattern=r"^#[0-9a-fA-F]{6}$")
    accent: str = Field("#b5651d", pattern=r"^#[0-9a-fA-F]{6}$")


class Branding(Strict):
    name: str
    logo: Optional[str] = Field(None, description="Path of a PNG, JPEG or SVG logo inside the repository")
    colors: Colors = Field(default_factory=Colors)


class Playbook(Strict):
    """Which departures from the standard need an entry in an agreement's `approvals:`."""

    variants: bool = Field(True, description="A non-standard variant needs an approval")
    parameters: bool = Field(True, description="A parameter outside its standard range needs an approval")
    approvers: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Approval role (as written in clause.yml) → the people who may give it; empty: anyone")


class Config(Strict):
    organisation: Party
    branding: Branding
    language: Literal["fr", "en"] = "fr"
    playbook: Playbook = Field(default_factory=Playbook)
