"""Request-level input guards: what no view should ever have to handle.

- A NUL character ("\\x00") in the path, the query string, a form key or value, or a JSON body is refused
  with 400 (the translated error page) before any view runs: PostgreSQL cannot store or compare it in text,
  and no person types one.
- The ``int`` URL converter accepts at most 2**31 - 1 (PostgreSQL's integer), so an id of 19 digits or
  5,000 digits is a 404, never a database error.
- :func:`query_int` reads a whole number from the query string (``page=``) within bounds: missing or not a
  number gives the default, a number out of range a 404.
"""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, ValidationError

#: The largest id of any table (PostgreSQL integer).
MAX_ID = 2**31 - 1
_MAX_ID_DIGITS = len(str(MAX_ID))
_NUL = "\x00"


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` for ids: 0 .. 2**31 - 1, digits counted before any int() is made.

    Only ASCII digits route: Werkzeug's ``\\d`` also matches Arabic-Indic or fullwidth digits, which int()
    reads as the same number, so one plan would answer under many addresses."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False) -> None:
        bounded = MAX_ID if max is None or max > MAX_ID else max
        super().__init__(map, fixed_digits, min, bounded, signed)

    def to_python(self, value: str) -> int:
        if len(value.lstrip("-")) > _MAX_ID_DIGITS:
            raise ValidationError()
        return super().to_python(value)


def query_int(name: str, default: int, *, low: int = 1, high: int = MAX_ID) -> int:
    """A whole number from the query string: the default when it is missing or not a number, 404 when it is
    outside [low, high] (a page past the end of the world is a page that does not exist)."""
    text = request.args.get(name, "").strip()
    if not text or not text.isascii() or not text.isdigit():
        return default
    if len(text) > len(str(high)) or not low <= int(text) <= high:
        abort(404)
    return int(text)


def _has_nul() -> bool:
    if _NUL in request.path:
        return True
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            if _NUL in key or _NUL in value:
                return True
    if request.is_json:
        body = request.get_data(cache=True)
        return b"\x00" in body or b"\\u0000" in body
    return False


def init_guards(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def refuse_nul_characters() -> None:
        if _has_nul():
            abort(400)
