"""Typed clause parameters: coerce a written value, check its bounds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .durations import parse_duration
from .models import Parameter
from .bounds import bounded_decimal, sane_date


def coerce_parameter(parameter: Parameter, value: Any) -> Any:
    """The value in its type, or ValueError saying what is expected."""
    kind = parameter.type
    if kind == "int":
        number = bounded_decimal(value) if not isinstance(value, (bool, str)) else None
        if number is None or number != number.to_integral_value():
            raise ValueError(f"expected a whole number, got {_shown(value)}")
        result: Any = int(number)
    elif kind in ("decimal", "money"):
        result = bounded_decimal(value)  # plain digits, finite, at most bounds.MAX_NUMBER
    elif kind == "date":
        if isinstance(value, dt.date):
            result = value
        else:
            try:
                result = dt.date.fromisoformat(str(value)[:40])
            except ValueError:
                raise ValueError(f"expected a date YYYY-MM-DD, got {_shown(value)}") from None
        result = sane_date(result)
    elif kind == "duration":
        result = parse_duration(value)
    elif kind == "enum":
        if str(value) not in (parameter.choices or []):
            raise ValueError(f"expected one of {', '.join(parameter.choices or [])}, got {_shown(value)}")
        result = str(value)
    elif kind == "text":
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {_shown(value)}")
        result = value
    else:  # list
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"expected a list of texts, got {_shown(value)}")
        result = list(value)
    if kind in ("int", "decimal", "money"):
        if parameter.min is not None and result < parameter.min:
            raise ValueError(f"{result} is below the minimum {parameter.min}")
        if parameter.max is not None and result > parameter.max:
            raise ValueError(f"{result} is above the maximum {parameter.max}")
    return result


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"
