"""Request parameters by type and bounds, in one place for the pages, the API and the workspace.

A value out of its type or bounds is a `BadParameter`: a 400 whose one-line description says
what to fix, rendered as a page or, under /api/, as JSON (web/errors.py, web/api.py). Control
characters are refused at the request boundary, before any view reads a value: PostgreSQL cannot
store a NUL, and no address, search or name needs one. Numbers in paths (`<int:...>`) stay
within 32 bits, the range of an id column on every engine; a longer one names no page (404).
"""

import math
import re

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, ValidationError

MAX_INT = 2**31 - 1
MAX_TEXT = 200
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
# C0 controls, DEL and C1 controls; a form's text may still hold tabs and line breaks.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class BadParameter(BadRequest):
    """A parameter out of its type or bounds; the description is the one line to show."""


class Int32Converter(IntegerConverter):
    """`<int:...>` in routes: a whole number that fits an id column, else no match (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INT, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str):
        if len(value) > len(str(MAX_INT)):  # int() of thousands of digits is refused or slow
            raise ValidationError()
        return super().to_python(value)


def init_app(app: Flask) -> None:
    """Bound the routes' numbers and refuse control characters in every request."""
    app.url_map.converters["int"] = Int32Converter
    app.before_request(refuse_control_characters)


def refuse_control_characters() -> None:
    """Refuse a request whose path, query string or form holds a control character."""
    if CONTROL.search(request.path) or any(
            CONTROL.search(key) or CONTROL.search(value)
            for key, value in request.args.items(multi=True)):
        raise BadParameter("The address contains a control character; remove it and try again.")
    for key, value in request.form.items(multi=True):
        if CONTROL.search(key) or CONTROL_IN_TEXT.search(value):
            raise BadParameter(f"The form field '{CONTROL.sub('?', key)[:40]}' contains a "
                               "control character; remove it and send the form again.")


def integer(name: str, default: int | None, low: int = 1, high: int = MAX_INT) -> int | None:
    """A whole number from the query string, within [low, high]; `default` when absent."""
    raw = request.args.get(name, "").strip()
    return _whole_number(name, raw, low, high) if raw else default


def integers(name: str, values, low: int = 1, high: int = MAX_INT) -> list[int]:
    """Every value of `name` in `values` (a form) as a whole number within [low, high]."""
    return [_whole_number(name, raw.strip(), low, high) for raw in values.getlist(name)]


def _whole_number(name: str, raw: str, low: int, high: int) -> int:
    if not WHOLE_NUMBER.fullmatch(raw):
        raise BadParameter(f"{name} must be a whole number, got '{raw[:40]}'")
    if len(raw) > len(str(high)) + 1 or not low <= int(raw) <= high:
        raise BadParameter(f"{name} must be between {low} and {high}, got {raw[:40]}")
    return int(raw)


def kilometres(name: str, default: float, limit: float) -> float:
    """A distance from the query string: a finite number of km, more than 0, at most `limit`."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise BadParameter(f"{name} must be a number of kilometres, got '{raw[:40]}'")
    if not 0 < value <= limit:
        raise BadParameter(f"{name} must be more than 0 and at most {limit} km, got {raw[:40]}")
    return value


def text(name: str, max_length: int = MAX_TEXT) -> str | None:
    """A text parameter from the query string, stripped; None when empty."""
    raw = request.args.get(name, "").strip()
    if len(raw) > max_length:
        raise BadParameter(f"{name} must be at most {max_length} characters long")
    return raw or None
