"""Loan products, the dated legal limits of Italian business microcredit, and each quarter's TEGM.

- A loan product is what the programme offers: the ranges an officer's terms must fall in and the schedule
  conventions its contracts state (the column names and values are those of the finance core's Conventions).
- A microcredit limit row holds the law's limits from a date on (rules.py): the row in force on a day is the
  latest whose effective_from is on or before it.
- A usury rate row holds one quarter's published TEGM for one class of loans (usury.py).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workbench.extensions import db
from workbench.timeutil import utcnow

#: The repayment methods of the finance core's schedules (Loan.method).
METHODS = ("annuity", "equal_principal")
#: Schedule conventions: each column's allowed values, the first one the default.
DAY_COUNTS = ("30/360", "actual/365")
FIRST_PERIODS = ("whole_period", "actual_days")
ROUNDINGS = ("half_up", "half_even")
INSTALLMENT_UNITS = (Decimal("0.01"), Decimal("1"))
INTERESTS = ("declining", "flat")
GRACES = ("interest_only", "deferred")
MAX_LATE_TOLERANCE_DAYS = 30
#: The legal forms a borrower's business may have, as check_terms reads them.
LEGAL_FORMS = ("individual", "partnership", "srl")
#: The TEGM class a product's rates are compared with when none is named.
DEFAULT_USURY_CLASS = "Altri finanziamenti alle famiglie e alle imprese"


class LoanProduct(db.Model):
    __tablename__ = "loan_products"
    __audit_type__ = "loan_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Unique, so a double press on "add" adds one product.
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: A switched-off product is offered to no new application; loans made on it keep their terms.
    active: Mapped[bool] = mapped_column(default=True)
    min_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    max_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: Yearly nominal rates as fractions (0.045 is 4.5 %), both ends allowed.
    min_rate: Mapped[Decimal] = mapped_column(Numeric(7, 6))
    max_rate: Mapped[Decimal] = mapped_column(Numeric(7, 6))
    max_term_months: Mapped[int]
    max_grace_months: Mapped[int] = mapped_column(default=0)
    #: What the borrower pays when the contract is signed ("spese di istruttoria"): it counts in the APR.
    arrangement_fee: Mapped[Decimal] = mapped_column(
        Numeric(14, 2), default=Decimal("0.00"), server_default="0.00"
    )
    #: The repayment methods allowed, space-separated ("annuity equal_principal").
    methods: Mapped[str] = mapped_column(String(40), default="annuity")
    #: Schedule conventions, as the finance core's Conventions names them.
    day_count: Mapped[str] = mapped_column(String(16), default="30/360")
    first_period: Mapped[str] = mapped_column(String(16), default="whole_period")
    rounding: Mapped[str] = mapped_column(String(16), default="half_up")
    installment_unit: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("0.01"))
    interest: Mapped[str] = mapped_column(String(16), default="declining")
    grace: Mapped[str] = mapped_column(String(16), default="interest_only")
    #: Days after a due date before an installment counts as late (0..30).
    late_tolerance_days: Mapped[int] = mapped_column(default=0)
    #: Whether the product lends to an SRL (società a responsabilità limitata), within the SRL's legal limit.
    legal_form_srl: Mapped[bool] = mapped_column(default=False)
    #: The class of loans whose quarterly TEGM gives the usury threshold for this product's rates.
    usury_class: Mapped[str] = mapped_column(String(120), default=DEFAULT_USURY_CLASS)
    #: Bumped by every change: an edit from a stale page is refused, not written over a newer one.
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def allowed_methods(self) -> tuple[str, ...]:
        return tuple(method for method in (self.methods or "").split() if method in METHODS)


class MicrocreditLimit(db.Model):
    """The legal limits of business microcredit from `effective_from` on, until a later row replaces them."""

    __tablename__ = "microcredit_limits"
    __audit_type__ = "microcredit_limit"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Unique: one set of limits starts on a given day (a double press adds one row).
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    #: Largest loan to a person, a sole trader, a partnership, an association or a cooperative.
    max_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    #: Largest loan to an SRL (società a responsabilità limitata).
    max_amount_srl: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    max_term_months: Mapped[int]
    #: Microcredit may not be secured by real collateral (mortgages, pledges).
    real_collateral_allowed: Mapped[bool] = mapped_column(default=False)
    #: Microcredit comes with tutoring (the auxiliary assistance and monitoring services).
    tutoring_required: Mapped[bool] = mapped_column(default=True)
    #: Where the figures come from (the law, the decree).
    source: Mapped[str] = mapped_column(String(200), default="")
    #: Bumped by every correction: a correction from a stale page is refused, not written over a newer one.
    revision: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UsuryRate(db.Model):
    """One quarter's published TEGM for one class of loans."""

    __tablename__ = "usury_rates"
    __audit_type__ = "usury_rate"
    __table_args__ = (
        # One TEGM per class and quarter: a double press adds one row.
        UniqueConstraint("loan_class", "quarter_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The class of operations as the ministry's table names it ("Altri finanziamenti ...").
    loan_class: Mapped[str] = mapped_column(String(120))
    #: 1 January, 1 April, 1 July or 1 October: the rate applies to contracts signed in that quarter.
    quarter_start: Mapped[date] = mapped_column(Date)
    #: The published average rate as a fraction (0.1234 is 12.34 %).
    tegm: Mapped[Decimal] = mapped_column(Numeric(7, 6))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
