"""Each quarter's TEGM per class of loans, as managers enter them from the ministry's decree, and the usury
threshold in force on a day (workbench.finance.usury computes it).

One row per class and quarter (unique key): a double press, or two managers at once, enter one and the other
gets a clear message. A row is not changed once entered: the decree does not change either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import format_percent
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance.usury import is_quarter_start, quarter_start, usury_threshold
from workbench.lending.product_models import UsuryRate
from workbench.web.dates import day

#: Quarters a TEGM may be entered for: the law's threshold formula of 2011 on, and no further than this.
FIRST_QUARTER = date(2011, 7, 1)
LAST_QUARTER = date(2199, 10, 1)
#: A published TEGM is well below this (as a fraction: 50 %); above it the percent was typed twice.
MAX_TEGM = Decimal("0.5")
MAX_CLASS_CHARACTERS = 120


@dataclass(frozen=True)
class Threshold:
    """The usury threshold in force for a class on a day, with the TEGM and quarter it comes from."""

    loan_class: str
    quarter_start: date
    tegm: Decimal
    threshold: Decimal


def tegm_in_force(loan_class: str, on: date) -> Decimal | None:
    """The TEGM of `loan_class` for the quarter containing `on`; None when no one entered it."""
    return db.session.scalar(
        select(UsuryRate.tegm).where(
            UsuryRate.loan_class == loan_class, UsuryRate.quarter_start == quarter_start(on)
        )
    )


def threshold_in_force(loan_class: str, on: date) -> Threshold | None:
    tegm = tegm_in_force(loan_class, on)
    if tegm is None:
        return None
    return Threshold(loan_class, quarter_start(on), tegm, usury_threshold(tegm))


def rates_in_order() -> list[UsuryRate]:
    """Every quarter entered, the latest first, classes in alphabetical order within a quarter."""
    return list(
        db.session.scalars(select(UsuryRate).order_by(UsuryRate.quarter_start.desc(), UsuryRate.loan_class))
    )


def loan_classes() -> list[str]:
    return list(db.session.scalars(select(UsuryRate.loan_class).distinct().order_by(UsuryRate.loan_class)))


def add_tegm(*, loan_class: str, quarter: date, tegm: Decimal, actor: User | None) -> UsuryRate:
    """Enter the TEGM of `loan_class` for the quarter starting on `quarter`, as a fraction (0.1234 is
    12.34 %)."""
    loan_class = " ".join((loan_class or "").split())
    errors: dict[str, str] = {}
    if not loan_class:
        errors["loan_class"] = _("Name the class of loans as the decree's table does.")
    elif len(loan_class) > MAX_CLASS_CHARACTERS:
        errors["loan_class"] = _("At most %(n)d characters.", n=MAX_CLASS_CHARACTERS)
    if not is_quarter_start(quarter) or not FIRST_QUARTER <= quarter <= LAST_QUARTER:
        errors["quarter"] = _("Choose a quarter from %(first)s on.", first=day(FIRST_QUARTER))
    if not Decimal(0) < tegm <= MAX_TEGM or tegm != tegm.quantize(Decimal("0.000001")):
        errors["tegm"] = _(
            "A rate above %(low)s and at most %(high)s, with at most four decimals.",
            low=format_percent(0),
            high=format_percent(MAX_TEGM),
        )
    if errors:
        raise DomainError(errors)
    rate = UsuryRate(
        loan_class=loan_class,
        quarter_start=quarter,
        tegm=tegm,
        created_by_id=actor.id if actor is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(rate)
    except IntegrityError as error:
        raise DomainError(
            {
                "quarter": _(
                    "The TEGM of %(loan_class)s for the quarter starting %(quarter)s is already entered.",
                    loan_class=loan_class,
                    quarter=day(quarter),
                )
            }
        ) from error
    record(
        "usury_rate.added",
        rate,
        actor,
        after={
            "loan_class": loan_class,
            "quarter_start": quarter.isoformat(),
            "tegm": str(tegm),
            "threshold": str(usury_threshold(tegm)),
        },
    )
    return rate
