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
from .numbering import Numbering
from .frame import PreambleStyle, RunningHeader, footer_note_text, titled_clause
from .parts import Annexes, Cover
from .parameters import choice_keys, coerce_parameter, every_label_or_none
from .sentrecord import Sent
from .signedrecord import Signed  # noqa: F401  (models.Signed: what sign-off and sign record)

# The languages of a library that does not declare `languages:` in clausier.yml.
LANGUAGES = ("fr", "en")
# A language as Babel and the outputs' lang tags name it: "fr", "en", "de", "pt-BR"…
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]

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


class Localized(BaseModel):
    """One text per language: `fr:`, `en:` or any other language the library declares. Which
    languages must be there is the library's choice, checked when loading (repository.py)."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)
    __pydantic_extra__: dict[str, str]
    fr: Optional[str] = None
    en: Optional[str] = None

    def __getitem__(self, language: str) -> str:
        value = getattr(self, language, None)
        if value is None:
            raise KeyError(language)
        return value

    def languages(self) -> list[str]:
        return [code for code in ("fr", "en") if getattr(self, code) is not None] + list(self.__pydantic_extra__ or {})


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


def _reason(text: str) -> str:
    if not text.strip():
        raise ValueError("an ignore needs its reason: say why the finding does not apply here")
    return text


class LintIgnore(Strict):
    """One warning of `clausier check` silenced on purpose, with the reason a reviewer reads."""

    # Applied by lint/ignores.py, which also checks `rule` against the rules (not known here).

    rule: str = Field(pattern=r"^[a-z][a-z0-9-]*$", description="The rule whose warnings are silenced: a rule "
                      "id (e.g. defined-terms, completeness) or the name a finding shows (e.g. unicode-nfc)")
    term: Optional[str] = Field(None, min_length=1, description="defined-terms only: just the findings about "
                                "this term, e.g. Deemed Acceptance")
    contains: Optional[str] = Field(None, min_length=1, description="Just the findings whose message contains "
                                    "this text (any rule; case ignored)")
    reason: Annotated[str, AfterValidator(_reason)] = Field(description="Why the finding does not apply here "
                                                             "(required)")

    @model_validator(mode="after")
    def _one_narrowing(self) -> "LintIgnore":
        if self.term is not None and self.contains is not None:
            raise ValueError("give `term:` or `contains:`, not both")
        return self


class LintSettings(Strict):
    ignore: list[LintIgnore] = Field(default_factory=list, description="Warnings silenced on purpose, each with "
                                     "its reason")


class Agreement(Strict):
    id: Optional[str] = Field(None, description="Identifier: the file name without .md")
    template: Identifier = Field(description="Contract type: a file templates/<template>.md.j2")
    language: Optional[LanguageCode] = Field(None, description="Language, one of the library's `languages:` "
                                             "(default: `language:` in clausier.yml)")
    status: Literal["draft", "review", "signed"] = Field("draft", description="Life-cycle status")
    version: int = Field(1, ge=1, le=1_000_000, description="Version shown in the running header")
    title: Optional[str] = Field(None, description="Title, instead of the template's")
    reference: Optional[str] = Field(None, description="Reference shown on every page (default: id)")
    provider: Optional[Party] = Field(None, description="Provider (default: organisation in clausier.yml)")
    client: Party = Field(description="The client")
    effective_date: ContractDate = Field(description="Date the contract takes effect")
    term: Term = Field(default_factory=Term, description="Duration and renewal")
    services: Services = Field(default_factory=Services, description="Scope of the services")
    fees: Optional[Fees] = Field(None, description="Price; required when the template needs it (its `needs:`, "
                                 "by default `[fees]`)")
    schedule: list[Milestone] = Field(default_factory=list, description="Payment schedule")
    payment: Payment = Field(default_factory=Payment, description="Payment terms")
    signature: SignatureInfo = Field(default_factory=SignatureInfo, description="Place and date of signature")
    clauses: ClauseChoices = Field(default_factory=ClauseChoices, description="Clause choices")
    terms: dict[str, Any] = Field(default_factory=dict, description="Key terms the template declares → their "
                                  "value, set once for every clause that reads them")
    annexes: dict[ParameterName, str] = Field(default_factory=dict, description="The text of each annex its "
                                             "template takes from the agreement (`from_agreement:`), by name")
    approvals: list[Approval] = Field(default_factory=list, description="Approvals of non-standard terms")
    amends: Optional[str] = Field(None, description="Id of the signed agreement this one amends")
    signed: Optional[Signed] = Field(None, description="Written by `clausier sign-off`; do not edit by hand")
    sent: list[Sent] = Field(default_factory=list, description="Written by `clausier send`: each message a "
                             "server accepted; do not edit by hand")
    lint: LintSettings = Field(default_factory=LintSettings, description="`check` findings silenced in this agreement")


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


class KeyTerm(Strict):
    """A value clauses read as terms.<name>: declared once by a template, set once by an agreement."""

    type: ParameterType
    # [assigned, licensed], or each key's label per language (parameters.choice_keys)
    choices: Optional[Annotated[dict[str, Optional[Localized]], BeforeValidator(choice_keys)]] = None
    min: Optional[Bound] = None
    max: Optional[Bound] = None
    default: Any = None  # none: every agreement sets it
    label: Localized
    help: Optional[Localized] = None  # what to set, shown by `clausier new` and in this term's errors

    @model_validator(mode="after")
    def _default_in_type(self) -> "KeyTerm":
        if self.type == "enum" and not self.choices:
            raise ValueError("an enum term needs `choices:`")
        every_label_or_none(self.choices or {})
        try:
            self.default is None or coerce_parameter(self, self.default)
        except ValueError as exc:
            raise ValueError(f"default: {exc}") from None
        return self


class Variant(Strict):
    approval: str = Field(description="Who must approve the use of this variant")
    label: Localized


class ClauseMeta(Strict):
    category: Identifier  # one of the library's categories (clausier.yml), checked when loading
    version: str = Field(pattern=r"^\d+(\.\d+){0,2}$")
    tags: list[str] = Field(default_factory=list)
    parameters: dict[ParameterName, Parameter] = Field(default_factory=dict)
    variants: dict[Identifier, Variant] = Field(default_factory=dict)
    lint: LintSettings = Field(default_factory=LintSettings)  # `check` findings silenced in this clause's texts

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
    translate: bool = False  # not written in this language yet (`clausier import`): check warns, a build refuses

    @model_validator(mode="before")  # (pydantic makes it a class method)
    def _to_translate(cls, data: Any) -> Any:  # a text to translate holds no wording: none is asked of it
        return {"title": "", "summary": "", "guidance": dict.fromkeys(("when", "negotiation", "risks"), ""), **data} \
            if isinstance(data, dict) and data.get("translate") is True else data


class VariantText(ClauseText):
    title: Optional[str] = None


# ---------------------------------------------------------------- templates


# Agreement sections a template may need (`needs:`): without them its clauses have nothing to print.
Section = Literal["term", "services", "fees", "schedule", "payment", "signature"]


class ClauseSlot(Strict):
    id: Identifier
    optional: bool = False


class PartyRoles(Strict):  # what a template calls each party (frame.py); unset: Provider, Client
    provider: Optional[Localized] = None
    client: Optional[Localized] = None


class TemplateMeta(Strict):
    title: Localized
    description: Localized
    requires: list[Identifier] = Field(default_factory=list)  # categories, checked when loading
    needs: list[Section] = Field(default_factory=lambda: ["fees"], description="The agreement sections this "
                                 "template's clauses read, which its agreements must fill in")
    languages: Optional[list[LanguageCode]] = Field(None, min_length=1, description="The languages this "
                                                    "template is written in (default: all the library's)")
    preamble: list[Identifier] = Field(default_factory=list)
    clauses: list[Union[Identifier, ClauseSlot]]
    closing: list[Identifier] = Field(default_factory=list)
    titled: list[Annotated[Identifier, AfterValidator(titled_clause)]] = Field(
        default_factory=list, description="Preamble and closing clauses printed under their title (frame.py)")
    roles: Optional[PartyRoles] = Field(None, description="What the cover and clauses call each party "
                                        "(roles.provider, roles.client); default: Provider, Client")
    parameters: dict[str, dict[str, Any]] = Field(default_factory=dict)
    terms: dict[ParameterName, KeyTerm] = Field(default_factory=dict, description="Key terms: values the clauses "
                                                "read as terms.<name>, set once by an agreement")
    numbering: Numbering = Field(default_factory=Numbering, description="How articles, sub-clauses and items are "
                                 "numbered and referred to (docs/how-to/number-and-refer.md)")
    cover: Optional[Cover] = Field(None, description="A cover page of key terms before the preamble (parts.py)")
    annexes: Optional[Annexes] = Field(None, description="Schedules after the closing, each on a new page (parts.py)")
    header: RunningHeader = Field(default_factory=RunningHeader, description="The running header's left (frame.py)")
    footer_note: Optional[Annotated[Localized, AfterValidator(footer_note_text)]] = Field(None, description="One "
                                                                                          "line after the end")
    preamble_style: PreambleStyle = Field("block", description="block: the parties set apart; plain: as body text")

    def slots(self) -> list[ClauseSlot]:
        return [ClauseSlot(id=s) if isinstance(s, str) else s for s in self.clauses]
