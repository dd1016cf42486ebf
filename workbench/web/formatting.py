"""Numbers and money as the page's locale writes them (the Jinja filters money, number, amounts, percent), a
value kept left to right in an Arabic page (ltr), and text people typed with its line breaks (nl2br)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency as babel_format_currency
from babel.numbers import format_decimal as babel_format
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import current_app
from flask_babel import format_currency, format_decimal, format_percent, get_locale
from markupsafe import Markup, escape


class _LocaleName:
    """The request's locale written out ("fr", "pt_BR") once per request, not once per amount: Flask-Babel
    keeps one Locale object per request (and one per force_locale block), so its name is remembered with the
    object, as one pair replaced at once (threads serving other requests see a whole pair or the next)."""

    def __init__(self) -> None:
        self.last: tuple[object, str] = (object(), "")

    def __call__(self) -> str:
        locale = get_locale()
        last = self.last
        if last[0] is locale:
            return last[1]
        name = str(locale)
        self.last = (locale, name)
        return name


#: The name of the locale of the request (or force_locale block) running now.
locale_name_now = _LocaleName()


def money(amount: Decimal | int | float | str | None, currency: str | None = None, cents: bool = True) -> str:
    """An amount in the locale's currency format; ``cents=False`` drops ",00" from whole amounts (chart
    axes), never a real fraction."""
    if amount is None or amount == "":
        return ""
    value = Decimal(str(amount))
    code = currency or current_app.config["CURRENCY"]
    if cents or value != value.to_integral_value():
        locale_name = locale_name_now()
        affixes = _currency_affixes(locale_name, code)
        symbols = _number_symbols(locale_name)
        if affixes is None or symbols is None:
            return format_currency(value, code)
        prefix, suffix = affixes[value < 0 or (value.is_zero() and value.is_signed())]
        return prefix + _direct(abs(value), _CENTS, symbols) + suffix
    pattern = get_locale().currency_formats["standard"].pattern
    return format_currency(value, code, format=_WITHOUT_FRACTION.sub("", pattern), currency_digits=False)


_WITHOUT_FRACTION = re.compile(r"\.0+")


def number(value: Decimal | int | float | None) -> str:
    """The locale's plain number ("1.234,5" in Italian): at most three decimals, half to even, like Babel."""
    return _formatted(value, _PLAIN)


def amounts(*rows: Sequence[Decimal | int]) -> list[str]:
    """One table row of amounts with cents, formatted in one go; with several rows, their sums month by month
    (``t.interest|amounts(t.principal)`` is the installments row)."""
    symbols = _number_symbols(locale_name_now())
    totals = rows[0] if len(rows) == 1 else [sum(values) for values in zip(*rows, strict=True)]
    if symbols is None:
        return [format_decimal(total, format=_CENTS) for total in totals]
    # A row repeats its amounts (the same fixed costs, drawings or installment month after month): each
    # distinct amount is formatted once (zero aside: 0 and -0 are equal keys, written differently).
    written: dict[Decimal | int, str] = {}
    texts = []
    for total in totals:
        text = written.get(total) if total else None
        if text is None:
            text = written[total] = _direct(total, _CENTS, symbols)
        texts.append(text)
    return texts


# The cash-flow table shows hundreds of numbers per request, so where the locale writes numbers with the usual
# groups of three (every language offered here) they are formatted directly with its symbols; the symbols are
# checked once per locale against Babel itself, and Babel does the rest.
_PLAIN, _CENTS = "#,##0.###", "#,##0.00"
_STEP = {_PLAIN: Decimal("0.001"), _CENTS: Decimal("0.01")}
_PROBES = ("0", "-0.0004", "0.0015", "7", "-12.5", "1234.5675", "-1000", "12345678.9")


def _formatted(value: Decimal | int | float | None, pattern: str) -> str:
    if value is None:
        return ""
    symbols = _number_symbols(locale_name_now())
    if symbols is None or isinstance(value, float):
        return format_decimal(value, format=pattern)
    return _direct(value, pattern, symbols)


def _direct(value: Decimal | int, pattern: str, symbols: dict[int, str]) -> str:
    rounded = Decimal(value).quantize(_STEP[pattern], ROUND_HALF_EVEN)
    text = f"{rounded:,f}"
    if pattern == _PLAIN:
        text = text.rstrip("0").rstrip(".")
    return text.translate(symbols)


@lru_cache(maxsize=64)
def _currency_affixes(locale_name: str, currency: str) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """What the locale writes before and after an amount of money, for positive and negative amounts
    ("€", "" and "-€", "" in English; "", " €" and "-", " €" in Italian); None when it cannot be split so
    (checked against Babel with amounts of every size)."""
    locale = Locale.parse(locale_name)
    symbols = _number_symbols(locale_name)
    if symbols is None:
        return None
    affixes = []
    for probe in (Decimal("1234.5"), Decimal("-1234.5")):
        written = babel_format_currency(probe, currency, locale=locale)
        digits = _direct(abs(probe), _CENTS, symbols)
        if written.count(digits) != 1:
            return None
        prefix, suffix = written.split(digits)
        affixes.append((prefix, suffix))
    positive, negative = affixes
    for probe in map(Decimal, ("0", "0.005", "-0.5", "7", "12345678.9", "-1000")):
        prefix, suffix = negative if probe < 0 else positive
        mine = prefix + _direct(abs(probe), _CENTS, symbols) + suffix
        if mine != babel_format_currency(probe, currency, locale=locale):
            return None
    return positive, negative


@lru_cache(maxsize=32)
def _number_symbols(locale_name: str) -> dict[int, str] | None:
    """The symbol table for _direct, or None when the locale writes numbers otherwise."""
    locale = Locale.parse(locale_name)
    minus = babel_format(Decimal(-1), locale=locale).removesuffix("1")  # as the pattern writes it
    symbols = str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale), "-": minus})
    for pattern in (_PLAIN, _CENTS):
        for probe in map(Decimal, _PROBES):
            if _direct(probe, pattern, symbols) != babel_format(probe, format=pattern, locale=locale):
                return None
    return symbols


def percent(value: Decimal | float | None) -> str:
    return "" if value is None else format_percent(value, format="#,##0.#%")


#: The marks a right-to-left locale writes into numbers (RLM, ALM): inside a left-to-right island they would
#: move a minus or a currency sign to the wrong side of the digits.
_DIRECTION_MARKS = str.maketrans("", "", "\u200f\u061c")


def ltr(text: object) -> Markup:
    """A value that must read left to right inside a right-to-left sentence or cell (an amount, a rate, a loan
    number, "203,92 € / 0,00 €"): a ``<bdi dir="ltr">`` island, escaped, without the right-to-left marks the
    Arabic formats start with. Left-to-right pages look the same with it."""
    if text is None or text == "":
        return Markup("")
    return Markup('<bdi dir="ltr" class="ltr-value">%s</bdi>') % str(text).translate(_DIRECTION_MARKS)


def nl2br(text: str | None) -> Markup:
    """Plain text a person typed, escaped first, its line breaks kept as <br>: never HTML of theirs."""
    if not text:
        return Markup("")
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Markup("<br>\n").join(escape(line) for line in lines)
