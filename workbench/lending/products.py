"""Loan products: what the programme offers, kept by its managers.

Every change is audited; an edit or a switch-off is a compare-and-set on the product's revision, so of two
managers editing at once exactly one change is stored and the other gets a clear message with what they
typed still in the form. Names are unique, so a double press on "add" adds one product. Services flush; the
request commits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending.product_models import (
    DAY_COUNTS,
    DEFAULT_USURY_CLASS,
    FIRST_PERIODS,
    GRACES,
    INSTALLMENT_UNITS,
    INTERESTS,
    MAX_LATE_TOLERANCE_DAYS,
    METHODS,
    ROUNDINGS,
    LoanProduct,
)
from workbench.timeutil import utcnow
from workbench.web.formatting import money

#: No product lends more than this, whatever the law allows (a bound on what is typed).
MAX_PRODUCT_AMOUNT = Decimal("10000000")
#: Rates a product may name, as fractions: 0 % to 100 %.
MAX_PRODUCT_RATE = Decimal("1")
MAX_TERM_MONTHS = 600
MAX_NAME_CHARACTERS = 120
#: The product seed-demo makes.
DEMO_PRODUCT_NAME = "Microcredito d'impresa"


@dataclass(frozen=True)
class ProductTerms:
    """A product's settings as a manager sets them (rates as fractions)."""

    name: str
    min_amount: Decimal
    max_amount: Decimal
    min_rate: Decimal
    max_rate: Decimal
    max_term_months: int
    max_grace_months: int
    methods: tuple[str, ...]
    arrangement_fee: Decimal = Decimal("0.00")
    day_count: str = "30/360"
    first_period: str = "whole_period"
    rounding: str = "half_up"
    installment_unit: Decimal = Decimal("0.01")
    interest: str = "declining"
    grace: str = "interest_only"
    late_tolerance_days: int = 0
    legal_form_srl: bool = False
    usury_class: str = DEFAULT_USURY_CLASS

    def columns(self) -> dict[str, Any]:
        values = asdict(self)
        values["name"] = " ".join(self.name.split())
        values["usury_class"] = " ".join(self.usury_class.split())
        values["methods"] = " ".join(method for method in METHODS if method in self.methods)
        return values


#: The Italian defaults: DM 211/2023 (75,000 EUR, 10 years), the rate and conventions of the programme.
DEMO_PRODUCT = ProductTerms(
    name=DEMO_PRODUCT_NAME,
    min_amount=Decimal("1000.00"),
    max_amount=Decimal("75000.00"),
    min_rate=Decimal("0.000000"),
    max_rate=Decimal("0.080000"),
    max_term_months=120,
    max_grace_months=12,
    methods=("annuity", "equal_principal"),
    legal_form_srl=True,
)

_NAMES = [f.name for f in fields(ProductTerms)]


def products_in_order() -> list[LoanProduct]:
    """Active products first, then by name."""
    return list(db.session.scalars(select(LoanProduct).order_by(LoanProduct.active.desc(), LoanProduct.name)))


def active_products() -> list[LoanProduct]:
    return list(db.session.scalars(select(LoanProduct).where(LoanProduct.active).order_by(LoanProduct.name)))


def _check(terms: ProductTerms) -> dict[str, Any]:
    values = terms.columns()
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = _("Give the product a name.")
    elif len(values["name"]) > MAX_NAME_CHARACTERS:
        errors["name"] = _("At most %(n)d characters.", n=MAX_NAME_CHARACTERS)
    for name in ("min_amount", "max_amount"):
        amount = values[name]
        if not Decimal(0) < amount <= MAX_PRODUCT_AMOUNT or amount != amount.quantize(Decimal("0.01")):
            errors[name] = _("An amount above zero, at most %(amount)s.", amount=money(MAX_PRODUCT_AMOUNT))
    amounts_read = "min_amount" not in errors and "max_amount" not in errors
    if amounts_read and values["min_amount"] > values["max_amount"]:
        errors["max_amount"] = _("The largest amount cannot be below the smallest.")
    for name in ("min_rate", "max_rate"):
        rate = values[name]
        if not Decimal(0) <= rate < MAX_PRODUCT_RATE or rate != rate.quantize(Decimal("0.000001")):
            errors[name] = _("A rate from 0 to 100, with at most four decimals.")
    if "min_rate" not in errors and "max_rate" not in errors and values["min_rate"] > values["max_rate"]:
        errors["max_rate"] = _("The highest rate cannot be below the lowest.")
    if not 1 <= values["max_term_months"] <= MAX_TERM_MONTHS:
        errors["max_term_months"] = _("Between %(low)d and %(high)d months.", low=1, high=MAX_TERM_MONTHS)
    if not 0 <= values["max_grace_months"] < max(values["max_term_months"], 1):
        errors["max_grace_months"] = _("From 0 up to less than the longest term.")
    fee = values["arrangement_fee"]
    if not Decimal(0) <= fee <= MAX_PRODUCT_AMOUNT or fee != fee.quantize(Decimal("0.01")):
        errors["arrangement_fee"] = _("An amount in euros and cents, 0 for none.")
    elif amounts_read and fee >= values["min_amount"]:
        errors["arrangement_fee"] = _("The fee must be below the smallest amount lent.")
    if not values["methods"]:
        errors["methods"] = _("Choose at least one way of repaying.")
    for name, allowed in (
        ("day_count", DAY_COUNTS),
        ("first_period", FIRST_PERIODS),
        ("rounding", ROUNDINGS),
        ("installment_unit", INSTALLMENT_UNITS),
        ("interest", INTERESTS),
        ("grace", GRACES),
    ):
        if values[name] not in allowed:
            errors[name] = _("Choose one of the options.")
    if not 0 <= values["late_tolerance_days"] <= MAX_LATE_TOLERANCE_DAYS:
        errors["late_tolerance_days"] = _(
            "Between %(low)d and %(high)d days.", low=0, high=MAX_LATE_TOLERANCE_DAYS
        )
    if not values["usury_class"]:
        errors["usury_class"] = _("Name the class of loans as the decree's table does.")
    elif len(values["usury_class"]) > 120:
        errors["usury_class"] = _("At most %(n)d characters.", n=120)
    if errors:
        raise DomainError(errors)
    return values


def _taken(name: str) -> DomainError:
    return DomainError({"name": _("A product called %(name)s already exists.", name=name)})


def facts(product: LoanProduct) -> dict[str, Any]:
    return {name: _plain(getattr(product, name)) for name in [*_NAMES, "active"]}


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def create_product(terms: ProductTerms, actor: User | None) -> LoanProduct:
    """A new product, active. A name already used is refused with a clear message (unique key), so the
    second of two presses on "add" adds nothing."""
    values = _check(terms)
    product = LoanProduct(**values, active=True, revision=1)
    try:
        with db.session.begin_nested():
            db.session.add(product)
    except IntegrityError as error:
        raise _taken(values["name"]) from error
    record("loan_product.created", product, actor, after=facts(product))
    return product


def _stale() -> DomainError:
    return DomainError(
        {"": _("Another manager changed this product since you opened it. Here it is as it is now.")}
    )


def _change(product: LoanProduct, base_revision: int, values: dict[str, Any]) -> tuple[dict, dict] | None:
    """Write `values` by compare-and-set on the revision; (before, after) of the fields changed, or None when
    nothing needed writing."""
    before = {name: getattr(product, name) for name in values}
    if base_revision == product.revision and before == values:
        return None
    if base_revision != product.revision:
        raise _stale()
    try:
        with db.session.begin_nested():
            result = db.session.execute(
                update(LoanProduct)
                .where(LoanProduct.id == product.id, LoanProduct.revision == base_revision)
                .values(**values, revision=base_revision + 1, updated_at=utcnow()),
                execution_options={"synchronize_session": False},
            )
    except IntegrityError as error:
        raise _taken(values.get("name", product.name)) from error
    db.session.refresh(product)
    if result.rowcount != 1:
        if {name: getattr(product, name) for name in values} == values:
            return None  # the same change, saved a moment ago from another tab
        raise _stale()
    changed = [name for name in values if before[name] != values[name]]
    return (
        {name: _plain(before[name]) for name in changed},
        {name: _plain(values[name]) for name in changed} | {"revision": product.revision},
    )


def update_product(product: LoanProduct, terms: ProductTerms, *, base_revision: int, actor: User) -> bool:
    """Store a manager's edit unless the product changed since their page loaded it; whether anything
    changed. Loans already made keep their own terms."""
    changes = _change(product, base_revision, _check(terms))
    if changes is None:
        return False
    record("loan_product.changed", product, actor, before=changes[0], after=changes[1])
    return True


def set_product_active(product: LoanProduct, *, active: bool, base_revision: int, actor: User) -> bool:
    """Switch a product off (no new application may choose it) or on again; whether anything changed."""
    changes = _change(product, base_revision, {"active": active})
    if changes is None:
        return False
    record(
        "loan_product.reactivated" if active else "loan_product.deactivated",
        product,
        actor,
        before=changes[0],
        after=changes[1],
    )
    return True


def terms_of(product: LoanProduct) -> ProductTerms:
    values = {name: getattr(product, name) for name in _NAMES}
    values["methods"] = product.allowed_methods
    return ProductTerms(**values)


def ensure_demo_product() -> int:
    """The demo's "Microcredito d'impresa" with the Italian defaults, if missing; how many were added."""
    if db.session.scalar(select(LoanProduct.id).where(LoanProduct.name == DEMO_PRODUCT_NAME)) is not None:
        return 0
    create_product(DEMO_PRODUCT, None)
    return 1
