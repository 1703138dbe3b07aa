"""Durations as written in contracts: "30 days", "2 months", "1 year" (or ISO "P2M")."""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = ("day", "week", "month", "year")
_ALIASES = {
    "d": "day", "day": "day", "days": "day", "jour": "day", "jours": "day",
    "w": "week", "week": "week", "weeks": "week", "semaine": "week", "semaines": "week",
    "m": "month", "month": "month", "months": "month", "mois": "month",
    "y": "year", "year": "year", "years": "year", "an": "year", "ans": "year", "année": "year", "années": "year",
}
_PLAIN = re.compile(r"^\s*(\d+)\s*([^\d\s]+)\s*$")
_ISO = re.compile(r"^P(\d+)([DWMY])$")
MAX_DAYS = 36_525  # a hundred years: the longest term, notice or period a contract gives (date arithmetic stays in range)


@dataclass(frozen=True, order=True)
class Duration:
    amount: int
    unit: str  # one of UNITS

    @property
    def approx_days(self) -> int:
        """For comparisons (a notice shorter than a term), not for date arithmetic."""
        return self.amount * {"day": 1, "week": 7, "month": 30, "year": 365}[self.unit]

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}{'s' if self.amount != 1 else ''}"


def parse_duration(value: object) -> Duration:
    """Read a duration; raise ValueError with the accepted forms otherwise."""
    if isinstance(value, Duration):
        _bounded(str(value.amount), value.unit)
        return value
    text = str(value).strip()
    iso = _ISO.match(text.upper())
    if iso:
        unit = {"D": "day", "W": "week", "M": "month", "Y": "year"}[iso.group(2)]
        return _bounded(iso.group(1), unit)
    plain = _PLAIN.match(text)
    if plain and plain.group(2).lower() in _ALIASES:
        return _bounded(plain.group(1), _ALIASES[plain.group(2).lower()])
    shown = text if len(text) <= 40 else text[:37] + "…"
    raise ValueError(f"{shown!r} is not a duration: write e.g. '30 days', '2 months' or '1 year'")


def _bounded(digits: str, unit: str) -> Duration:
    if len(digits) > 6 or Duration(int(digits), unit).approx_days > MAX_DAYS:
        shown = digits if len(digits) <= 12 else digits[:9] + "…"
        raise ValueError(f"{shown} {unit}s is longer than a hundred years; no contract term is that long")
    return Duration(int(digits), unit)
