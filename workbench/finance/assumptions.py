"""The financial assumptions of a business plan: one JSON-compatible mapping, read into frozen dataclasses.

:func:`parse_assumptions` checks every field and raises :class:`~workbench.finance.errors.AssumptionsError`
with one message per offending field path (``revenue_streams[2].seasonality``), all of them at once.

Reading rules. Money may be a number or a decimal string. Amounts paid or received as such (opening cash,
startup costs, own funds, grants, loan principals, owner drawings) are rounded to cents HALF_UP when read.
Unit prices, unit costs and monthly fixed costs are kept exactly as given: the projection rounds the month's
totals instead. Keys the schema does not know are ignored, so a stored plan may carry notes for the web layer.

Every number goes through the bounded reader :func:`~.money.to_decimal` (a length cap on text, no huge
exponent or integer, an answer in microseconds whatever the input) and then the range of its field
(:data:`FIELD_RANGES`, from the field registry :mod:`.fields`, which also holds each field's kind,
default and label key): a value above it is refused with the code "too_large" and the range in ``max``. Lists
hold at most MAX_ROWS entries. :func:`~.projection.project` also refuses a document whose projected amounts
would not stay exact to the cent (growth compounding for ten years), at the growth field that causes it.

Schema (defaults in brackets)::

    start_month "YYYY-MM"            calendar month of projection month 1
    months 1..120                    horizon
    opening_cash [0]  own_funds [0] (received in month 1)  owner_drawings [0] per month
    tax_rate [0] in [0, 1)           on max(0, operating profit - interest)
    discount_rate [0.10] in [0, 1)   annual rate for NPV
    startup_costs, grants:  [{name [""], amount, month [1]}]
    loans:           [{name [""], principal > 0, annual_rate in [0, 1), term_months 1..360,
                       grace_months [0] < term_months, method ["annuity"] | "equal_principal", month [1]}]
    revenue_streams: [{name [""], units_per_month, unit_price, unit_cost [0], monthly_growth [0] in (-1, 1),
                       seasonality [twelve 1s, January first], start_month [1]}]
    ranges: amounts (opening cash, costs, funds, grants, principals, drawings, monthly) 0..10,000,000;
            units_per_month 0..1,000,000; unit_price, unit_cost 0..1,000,000; seasonality 0..10;
            months and month fields 1..120; term_months 1..360; grace_months 0..359
    fixed_costs:     [{name [""], monthly, start_month [1]}]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .errors import AssumptionsError, FieldError, NumberError
from .fields import (  # noqa: F401 - the limits are read from here by older callers
    DEFAULT_DISCOUNT_RATE,
    FIELD_RANGES,
    MAX_AMOUNT,
    MAX_FACTOR,
    MAX_MONTHS,
    MAX_SEASONALITY,
    MAX_TERM_MONTHS,
    MAX_UNIT_PRICE,
    MAX_UNITS,
    METHODS,
    ONE,
    field_range,
)
from .money import ZERO, parse_year_month, to_cents, to_decimal

#: The most entries a list of the document (startup costs, loans, revenue streams...) may hold.
MAX_ROWS = 100
_MISSING = object()


@dataclass(frozen=True, slots=True)
class Payment:
    """A startup cost paid, or a grant received, in projection month ``month``."""

    name: str
    amount: Decimal
    month: int = 1


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """A loan received in projection month ``month``; its installment k falls in month ``month + k``."""

    name: str
    principal: Decimal
    annual_rate: Decimal
    term_months: int
    grace_months: int = 0
    method: str = "annuity"
    month: int = 1


@dataclass(frozen=True, slots=True)
class RevenueStream:
    """units(m) = units_per_month x (1 + monthly_growth)^(m - start_month) x seasonality[month of m]."""

    name: str
    units_per_month: Decimal
    unit_price: Decimal
    unit_cost: Decimal = ZERO
    monthly_growth: Decimal = ZERO
    seasonality: tuple[Decimal, ...] = (ONE,) * 12
    start_month: int = 1


@dataclass(frozen=True, slots=True)
class FixedCost:
    name: str
    monthly: Decimal
    start_month: int = 1


@dataclass(frozen=True, slots=True)
class Assumptions:
    start_month: str
    months: int
    opening_cash: Decimal = ZERO
    startup_costs: tuple[Payment, ...] = ()
    own_funds: Decimal = ZERO
    grants: tuple[Payment, ...] = ()
    loans: tuple[LoanTerms, ...] = ()
    revenue_streams: tuple[RevenueStream, ...] = ()
    fixed_costs: tuple[FixedCost, ...] = ()
    owner_drawings: Decimal = ZERO
    tax_rate: Decimal = ZERO
    discount_rate: Decimal = DEFAULT_DISCOUNT_RATE

    @property
    def startup_sources(self) -> Decimal:
        """The money to start: own funds + grants + loan principals (whenever they arrive)."""
        return (
            self.own_funds
            + sum((grant.amount for grant in self.grants), ZERO)
            + sum((loan.principal for loan in self.loans), ZERO)
        )

    @property
    def startup_uses(self) -> Decimal:
        """What starting costs: the sum of the startup costs. A sound plan has sources == uses."""
        return sum((cost.amount for cost in self.startup_costs), ZERO)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A stress test: ``sales_factor`` multiplies units (so revenue and variable costs), ``cost_factor``
    multiplies fixed costs, ``delay_months`` starts every revenue stream that many months later."""

    sales_factor: Decimal = ONE
    cost_factor: Decimal = ONE
    delay_months: int = 0


BASE_SCENARIO = Scenario()


class _Checker:
    """Reads fields one by one, records a FieldError for each bad one and returns None in its place."""

    def __init__(self) -> None:
        self.issues: list[FieldError] = []

    def fail(self, path: str, code: str, **params: object) -> None:
        self.issues.append(FieldError.of(path, code, **params))

    def raise_if_any(self) -> None:
        if self.issues:
            raise AssumptionsError(self.issues)

    def _raw(self, data: Mapping, key: str, path: str, default: object) -> object:
        value = data.get(key, _MISSING)
        if value is None or (isinstance(value, str) and not value.strip()):
            value = _MISSING
        if value is _MISSING:
            if default is _MISSING:
                self.fail(path, "required")
            return default
        return value

    def number(
        self, data: Mapping, key: str, path: str, default: object = _MISSING, *, positive: bool = False
    ) -> Decimal | None:
        """A number >= 0 (> 0 with ``positive``), exact."""
        raw = self._raw(data, key, path, default)
        if raw is _MISSING:
            return None
        value = self.read(raw, path)
        if value is None:
            return None
        if value < 0:
            self.fail(path, "negative")
            return None
        if positive and value == 0:
            self.fail(path, "not_positive")
            return None
        return value

    def read(self, raw: object, path: str, code: str = "not_a_number") -> Decimal | None:
        """The bounded reading of one value, within its field's range (above it: "too_large")."""
        high = FIELD_RANGES[path.rsplit(".", 1)[-1]][1]
        try:
            value = to_decimal(raw)
        except NumberError as error:
            if error.code == "too_large":
                self.fail(path, "too_large", max=high)
            else:
                self.fail(path, code if error.code == "not_a_number" else error.code)
            return None
        except ValueError:
            self.fail(path, code)
            return None
        if value > high:
            self.fail(path, "too_large", max=high)
            return None
        return value

    def money(
        self, data: Mapping, key: str, path: str, default: object = _MISSING, **kw: bool
    ) -> Decimal | None:
        """A number >= 0 rounded to cents HALF_UP."""
        value = self.number(data, key, path, default, **kw)
        if value is not None:
            value = to_cents(value)
            if kw.get("positive") and value == 0:
                self.fail(path, "not_positive")
                return None
        return value

    def rate(
        self, data: Mapping, key: str, path: str, default: object = _MISSING, *, growth: bool = False
    ) -> Decimal | None:
        """A rate in [0, 1), or in (-1, 1) for a growth rate."""
        raw = self._raw(data, key, path, default)
        if raw is _MISSING:
            return None
        try:
            value = to_decimal(raw)
        except NumberError as error:
            out = "growth_out_of_range" if growth else "rate_out_of_range"
            self.fail(path, {"too_long": "too_long", "too_large": out}.get(error.code, "not_a_number"))
            return None
        if value.adjusted() >= 1:  # 10 or more, positive or negative: out of any rate's range
            self.fail(path, "growth_out_of_range" if growth else "rate_out_of_range")
            return None
        if growth and not -1 < value < 1:
            self.fail(path, "growth_out_of_range")
            return None
        if not growth and not 0 <= value < 1:
            self.fail(path, "rate_out_of_range")
            return None
        return value

    def integer(
        self,
        data: Mapping,
        key: str,
        path: str,
        default: object = _MISSING,
        *,
        low: int,
        high: int,
        horizon: bool = False,
    ) -> int | None:
        """A whole number in [low, high]; with ``horizon`` a value above ``high`` is "after the horizon"."""
        raw = self._raw(data, key, path, default)
        if raw is _MISSING:
            return None
        try:
            number = to_decimal(raw)  # bounded: int() below is always cheap
        except NumberError as error:
            if error.code == "too_large":
                self.fail(path, "out_of_range", min=low, max=high)
            else:
                self.fail(path, "too_long" if error.code == "too_long" else "not_a_whole_number")
            return None
        if number != number.to_integral_value():
            self.fail(path, "not_a_whole_number")
            return None
        value = int(number)
        if horizon and value > high:
            self.fail(path, "after_horizon", months=high)
            return None
        if not low <= value <= high:
            self.fail(path, "out_of_range", min=low, max=high)
            return None
        return value

    def text(self, data: Mapping, key: str, path: str) -> str:
        value = data.get(key, "")
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(path, "not_text")
            return ""
        return value.strip()

    def items(self, data: Mapping, key: str) -> list[tuple[str, Mapping]]:
        """The entries of a list field as (path, mapping); a missing list is empty."""
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            self.fail(key, "not_a_list")
            return []
        if len(value) > MAX_ROWS:
            self.fail(key, "too_many_rows", max=MAX_ROWS)
            return []
        entries = []
        for index, entry in enumerate(value):
            path = f"{key}[{index}]"
            if isinstance(entry, Mapping):
                entries.append((path, entry))
            else:
                self.fail(path, "not_an_object")
        return entries


def check_loan_terms(check: _Checker, data: Mapping, prefix: str, horizon: int) -> LoanTerms | None:
    """Read one loan's terms (paths ``prefix + field``); ``horizon`` bounds the month it is received."""
    principal = check.money(data, "principal", prefix + "principal", positive=True)
    annual_rate = check.rate(data, "annual_rate", prefix + "annual_rate")
    term = check.integer(data, "term_months", prefix + "term_months", low=1, high=MAX_TERM_MONTHS)
    grace = check.integer(data, "grace_months", prefix + "grace_months", 0, low=0, high=MAX_TERM_MONTHS)
    if term is not None and grace is not None and grace >= term:
        check.fail(prefix + "grace_months", "grace_not_below_term")
        grace = None
    method = data.get("method") or "annuity"
    if method not in METHODS:
        check.fail(prefix + "method", "unknown_method")
        method = None
    month = check.integer(data, "month", prefix + "month", 1, low=1, high=horizon, horizon=True)
    values = (principal, annual_rate, term, grace, method, month)
    if any(value is None for value in values):
        return None
    return LoanTerms(check.text(data, "name", prefix + "name"), *values)  # type: ignore[arg-type]


def _seasonality(check: _Checker, data: Mapping, path: str) -> tuple[Decimal, ...] | None:
    raw = data.get("seasonality")
    if raw is None:
        return (ONE,) * 12
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence) or len(raw) != 12:
        check.fail(path, "seasonality_length")
        return None
    values = []
    known: dict[str, Decimal] = {}  # twelve months mostly written alike ("1"): each text is read once
    for value in raw:
        read = known.get(value) if type(value) is str else None
        if read is None:
            read = check.read(value, path)
            if read is None:
                return None
            if type(value) is str:
                known[value] = read
        values.append(read)
    if any(value < 0 for value in values):
        check.fail(path, "seasonality_negative")
        return None
    return tuple(values)


def parse_assumptions(data: Mapping) -> Assumptions:
    """Check and read a plan's assumptions mapping; raise AssumptionsError listing every bad field."""
    if isinstance(data, Assumptions):
        return data
    check = _Checker()
    if not isinstance(data, Mapping):
        check.fail("", "not_an_object")
        check.raise_if_any()
    start_month = data.get("start_month")
    try:
        parse_year_month(start_month)  # type: ignore[arg-type]
    except ValueError:
        check.fail("start_month", "required" if start_month in (None, "") else "bad_year_month")
    months = check.integer(data, "months", "months", low=1, high=MAX_MONTHS)
    horizon = months if months is not None else MAX_MONTHS

    def month_field(entry: Mapping, key: str, path: str) -> int | None:
        return check.integer(entry, key, path, 1, low=1, high=horizon, horizon=True)

    def payments(key: str) -> list[Payment | None]:
        found: list[Payment | None] = []
        for path, entry in check.items(data, key):
            name = check.text(entry, "name", path + ".name")
            amount = check.money(entry, "amount", path + ".amount")
            month = month_field(entry, "month", path + ".month")
            found.append(None if amount is None or month is None else Payment(name, amount, month))
        return found

    opening_cash = check.money(data, "opening_cash", "opening_cash", ZERO)
    startup_costs = payments("startup_costs")
    own_funds = check.money(data, "own_funds", "own_funds", ZERO)
    grants = payments("grants")
    loans = [
        check_loan_terms(check, entry, path + ".", horizon) for path, entry in check.items(data, "loans")
    ]

    streams: list[RevenueStream | None] = []
    for path, entry in check.items(data, "revenue_streams"):
        values = (
            check.text(entry, "name", path + ".name"),
            check.number(entry, "units_per_month", path + ".units_per_month"),
            check.number(entry, "unit_price", path + ".unit_price"),
            check.number(entry, "unit_cost", path + ".unit_cost", ZERO),
            check.rate(entry, "monthly_growth", path + ".monthly_growth", ZERO, growth=True),
            _seasonality(check, entry, path + ".seasonality"),
            month_field(entry, "start_month", path + ".start_month"),
        )
        streams.append(None if None in values else RevenueStream(*values))  # type: ignore[arg-type]

    fixed_costs: list[FixedCost | None] = []
    for path, entry in check.items(data, "fixed_costs"):
        name = check.text(entry, "name", path + ".name")
        monthly = check.number(entry, "monthly", path + ".monthly")
        start = month_field(entry, "start_month", path + ".start_month")
        fixed_costs.append(None if monthly is None or start is None else FixedCost(name, monthly, start))

    owner_drawings = check.money(data, "owner_drawings", "owner_drawings", ZERO)
    tax_rate = check.rate(data, "tax_rate", "tax_rate", ZERO)
    discount_rate = check.rate(data, "discount_rate", "discount_rate", DEFAULT_DISCOUNT_RATE)
    check.raise_if_any()
    return Assumptions(
        start_month=start_month,  # type: ignore[arg-type]
        months=months,  # type: ignore[arg-type]
        opening_cash=opening_cash,  # type: ignore[arg-type]
        startup_costs=tuple(startup_costs),  # type: ignore[arg-type]
        own_funds=own_funds,  # type: ignore[arg-type]
        grants=tuple(grants),  # type: ignore[arg-type]
        loans=tuple(loans),  # type: ignore[arg-type]
        revenue_streams=tuple(streams),  # type: ignore[arg-type]
        fixed_costs=tuple(fixed_costs),  # type: ignore[arg-type]
        owner_drawings=owner_drawings,  # type: ignore[arg-type]
        tax_rate=tax_rate,  # type: ignore[arg-type]
        discount_rate=discount_rate,  # type: ignore[arg-type]
    )


def parse_scenario(data: Mapping | Scenario | None) -> Scenario:
    """Read a stress scenario: sales_factor [1] >= 0, cost_factor [1] >= 0, delay_months [0] in 0..120."""
    if data is None:
        return BASE_SCENARIO
    if isinstance(data, Scenario):
        return data
    check = _Checker()
    if not isinstance(data, Mapping):
        check.fail("", "not_an_object")
        check.raise_if_any()
    sales = check.number(data, "sales_factor", "sales_factor", ONE)
    cost = check.number(data, "cost_factor", "cost_factor", ONE)
    delay = check.integer(data, "delay_months", "delay_months", 0, low=0, high=MAX_MONTHS)
    check.raise_if_any()
    return Scenario(sales, cost, delay)  # type: ignore[arg-type]
