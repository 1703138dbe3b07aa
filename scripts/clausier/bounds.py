"""Numbers and dates as contracts write them: plain digits, finite, within sane ranges.

YAML already refuses exponents and overlong numbers where they are written bare (yamlhazards.py);
these checks catch the same in text (`amount: "1e999999999"`) and bound what a model or a
parameter accepts, so no value can blow up formatting or date arithmetic later.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

MAX_NUMBER = Decimal(10) ** 15  # above any price, cap, capital or parameter, in any currency
MIN_YEAR, MAX_YEAR = 1900, 2999  # dates a contract can hold: adding a term (at most 100 years) never overflows
_PLAIN = re.compile(r"^\s*[-+]?(?:[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})\s*$")


def plain_number(value: Any) -> Any:
    """`value` if it is a finite number, or text in plain digits; ValueError otherwise (Decimal
    would read "1e999999999" as a number of a billion digits)."""
    if isinstance(value, str) and not _PLAIN.match(value):
        raise ValueError(f"{_shown(value)} is not a number in plain digits: write e.g. 12000.50")
    if isinstance(value, Decimal) and not value.is_finite() or isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    return value


def bounded_decimal(value: Any) -> Decimal:
    """A plain, finite number of at most MAX_NUMBER in size, as a Decimal; ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise ValueError(f"expected a number, got {_shown(value)}")
    plain_number(value)
    if isinstance(value, int) and value.bit_length() > 64:
        raise ValueError(f"{_shown(value)} is out of range: numbers are at most {MAX_NUMBER:,.0f}")
    number = Decimal(value.strip() if isinstance(value, str) else str(value))
    if abs(number) > MAX_NUMBER:
        raise ValueError(f"{_shown(value)} is out of range: numbers are at most {MAX_NUMBER:,.0f}")
    return number


def sane_date(value: dt.date) -> dt.date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"{value.isoformat()} is out of range: dates run from {MIN_YEAR} to {MAX_YEAR}")
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"
