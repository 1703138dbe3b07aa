"""Typed clause parameters: coerce a written value, check its bounds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from .durations import parse_duration
from .models import Parameter


def coerce_parameter(parameter: Parameter, value: Any) -> Any:
    """The value in its type, or ValueError saying what is expected."""
    kind = parameter.type
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or int(value) != value:
            raise ValueError(f"expected a whole number, got {value!r}")
        result: Any = int(value)
    elif kind in ("decimal", "money"):
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {value!r}")
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"expected a number, got {value!r}") from None
    elif kind == "date":
        if isinstance(value, dt.date):
            result = value
        else:
            try:
                result = dt.date.fromisoformat(str(value))
            except ValueError:
                raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}") from None
    elif kind == "duration":
        result = parse_duration(value)
    elif kind == "enum":
        if str(value) not in (parameter.choices or []):
            raise ValueError(f"expected one of {', '.join(parameter.choices or [])}, got {value!r}")
        result = str(value)
    elif kind == "text":
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {value!r}")
        result = value
    else:  # list
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"expected a list of texts, got {value!r}")
        result = list(value)
    if kind in ("int", "decimal", "money"):
        if parameter.min is not None and result < parameter.min:
            raise ValueError(f"{result} is below the minimum {parameter.min}")
        if parameter.max is not None and result > parameter.max:
            raise ValueError(f"{result} is above the maximum {parameter.max}")
    return result
