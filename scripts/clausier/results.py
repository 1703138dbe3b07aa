"""What a build reports: each agreement's result, and the whole build's."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import Finding


@dataclass
class AgreementResult:
    path: str
    id: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # format → output path
    errors: list[str] = field(default_factory=list)
    up_to_date: bool = False  # nothing was rebuilt: the outputs on disk were already right

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class BuildReport:
    library_errors: list[Finding] = field(default_factory=list)
    results: list[AgreementResult] = field(default_factory=list)
    templates_ahead: int = 0  # templates a worker took compiled ahead (fast/precompiled_templates.py)
    prestarted: int = 0  # agreements built by the worker forked when the command started (fast/prestart.py)

    @property
    def failed(self) -> list[AgreementResult]:
        return [r for r in self.results if not r.ok]

    @property
    def up_to_date(self) -> list[AgreementResult]:
        return [r for r in self.results if r.ok and r.up_to_date]

    @property
    def built(self) -> list[AgreementResult]:
        return [r for r in self.results if r.ok and not r.up_to_date]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.library_errors
