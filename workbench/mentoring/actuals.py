"""Entering a financed business's monthly figures (sales, costs, closing cash), safely under two tabs.

After the loan is paid out, the borrower or their assigned mentor enters each month's figures, from the
disbursement month to the current month in Europe/Rome, never a later one. One row per (loan, month)
(workbench/mentoring/actuals_models.py): the first save of a month inserts it (the unique key decides between
two at the same moment), later saves are a compare-and-set on its revision. A save made from a page that
showed an older revision, when the figures changed meanwhile, is not written: it raises StaleActual with the
stored row, and the page shows both. Every change is audited with the figures before and after; services
flush, the request commits.

Amounts are read with the finance core's bounded reader of typed numbers (currency signs, grouping, both
decimal signs, Arabic digits, at most 40 characters, no exponent), then checked: at most MAX_AMOUNT, at most
two decimals (cents, never rounded silently), sales and costs not below zero. They are Decimals from end to
end and stored as Numeric(14, 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance.errors import NumberError
from workbench.finance.money import CENT, ZERO, read_typed_number
from workbench.lending.models import Loan
from workbench.mentoring.actuals_models import MonthlyActual
from workbench.mentoring.plan_actual import FIGURES, label, open_months
from workbench.timeutil import utcnow
from workbench.web.formatting import money

#: The largest amount a month's figure may have, either way (a microbusiness's month is far below it).
MAX_AMOUNT = Decimal("10000000")
#: Figures that cannot be below zero; closing cash can (an overdrawn account).
NOT_NEGATIVE = frozenset({"sales", "costs"})


class StaleActual(Exception):
    """The month's figures were saved from another tab or device since this page loaded them."""

    def __init__(self, theirs: MonthlyActual) -> None:
        super().__init__(f"monthly actual {theirs.id} is at revision {theirs.revision}")
        self.theirs = theirs


# --- reading what was typed ---------------------------------------------------------------------------------


def read_figures(form: Mapping[str, Any], decimal_symbol: str) -> tuple[dict[str, Decimal], dict[str, str]]:
    """The three figures as typed (``sales``, ``costs``, ``closing_cash``): (amounts, {field: message})."""
    amounts: dict[str, Decimal] = {}
    errors: dict[str, str] = {}
    for name in FIGURES:
        value = form.get(name, "")
        text = value.strip() if isinstance(value, str) else ""
        try:
            amounts[name] = read_amount(text, decimal_symbol, negative=name not in NOT_NEGATIVE)
        except ValueError as error:
            errors[name] = str(error)
    return amounts, errors


def read_amount(text: str, decimal_symbol: str, *, negative: bool) -> Decimal:
    """One amount in euros and cents; ValueError with the translated reason when it is refused."""
    if not text:
        raise ValueError(_("Enter an amount (0 if there was none)."))
    try:
        amount = read_typed_number(text, decimal_symbol)
    except NumberError as error:
        if error.code == "too_long":
            raise ValueError(_("This is too long to be an amount.")) from None
        if error.code == "too_large":
            raise ValueError(_too_large()) from None
        if error.code == "exponent":
            raise ValueError(_("Write the amount in full, with digits only (for example 1250).")) from None
        raise ValueError(_("Enter an amount in euros, with digits only (for example 1250).")) from None
    if abs(amount) > MAX_AMOUNT:
        raise ValueError(_too_large())
    if amount != amount.quantize(CENT):
        raise ValueError(_("At most two decimals: euros and cents."))
    if amount < 0 and not negative:
        raise ValueError(_("This cannot be below zero."))
    amount = amount.quantize(CENT)
    return ZERO if amount.is_zero() else amount


def _too_large() -> str:
    return _("At most %(amount)s.", amount=money(MAX_AMOUNT))


# --- reading what is stored ---------------------------------------------------------------------------------


def actuals_of(loan: Loan) -> dict[date, MonthlyActual]:
    """The months entered for the loan, by month."""
    query = select(MonthlyActual).where(MonthlyActual.loan_id == loan.id).order_by(MonthlyActual.month)
    return {row.month: row for row in db.session.scalars(query)}


def _stored(loan_id: int, month: date) -> MonthlyActual | None:
    """The month as stored now, committed by another session since this one read it."""
    return db.session.scalars(
        select(MonthlyActual)
        .where(MonthlyActual.loan_id == loan_id, MonthlyActual.month == month)
        .execution_options(populate_existing=True)
    ).one_or_none()


def _figures(row: MonthlyActual) -> dict[str, Decimal]:
    return {name: getattr(row, name) for name in FIGURES}


def _same(row: MonthlyActual, figures: Mapping[str, Decimal]) -> bool:
    return all(getattr(row, name) == figures[name] for name in FIGURES)


# --- saving -------------------------------------------------------------------------------------------------


def save_actual(
    loan: Loan,
    month: date,
    figures: Mapping[str, Decimal],
    base_revision: int,
    actor: User,
    today: date,
) -> MonthlyActual:
    """Store one month's figures, as read by :func:`read_figures`; ``base_revision`` is the revision the page
    showed (0: the page showed the month empty). The stored row comes back (unchanged when it already held
    these figures). StaleActual when the month changed since the page was loaded and holds other figures;
    DomainError at "month" for a month before the payout or after ``today``'s month."""
    if month not in open_months(loan.disbursed_on, today):
        raise DomainError({"month": _("Choose a month from the one the loan was paid out to this month.")})
    values = {name: figures[name] for name in FIGURES}
    current = _stored(loan.id, month)
    if current is None:
        inserted = _insert(loan, month, values, actor)
        if inserted is not None:
            return inserted
        current = _stored(loan.id, month)  # the other tab's first save won the unique key
        assert current is not None
    if _same(current, values):
        return current
    if base_revision != current.revision:
        raise StaleActual(current)
    if _update(current, values, actor):
        return current
    current = _stored(loan.id, month)
    assert current is not None
    if _same(current, values):
        return current
    raise StaleActual(current)


def _insert(loan: Loan, month: date, values: dict[str, Decimal], actor: User) -> MonthlyActual | None:
    """The month's first row, unless another one was stored meanwhile (the database skips the row, without an
    error that would end the transaction)."""
    insert = sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else postgresql_insert
    moment = utcnow()
    inserted = db.session.execute(
        insert(MonthlyActual)
        .values(
            loan_id=loan.id,
            month=month,
            revision=1,
            entered_by_id=actor.id,
            created_at=moment,
            updated_at=moment,
            **values,
        )
        .on_conflict_do_nothing(index_elements=["loan_id", "month"])
        .returning(MonthlyActual.id)
    ).scalar_one_or_none()
    if inserted is None:
        return None
    row = db.session.get(MonthlyActual, inserted)
    assert row is not None
    record(
        "monthly_actual.recorded",
        row,
        actor,
        after={"loan_id": loan.id, "month": label(month), **{k: str(v) for k, v in values.items()}},
    )
    return row


def _update(current: MonthlyActual, values: dict[str, Decimal], actor: User) -> bool:
    """Write the figures only if the stored revision is still the one they were judged against."""
    moment = utcnow()
    result = db.session.execute(
        update(MonthlyActual)
        .where(MonthlyActual.id == current.id, MonthlyActual.revision == current.revision)
        .values(revision=MonthlyActual.revision + 1, entered_by_id=actor.id, updated_at=moment, **values),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        return False
    before = _figures(current)
    changed = [name for name in FIGURES if before[name] != values[name]]
    for name, value in (
        *values.items(),
        ("revision", current.revision + 1),
        ("entered_by_id", actor.id),
        ("updated_at", moment),
    ):
        set_committed_value(current, name, value)
    record(
        "monthly_actual.changed",
        current,
        actor,
        before={name: str(before[name]) for name in changed},
        after={"month": label(current.month), **{name: str(values[name]) for name in changed}},
    )
    return True
