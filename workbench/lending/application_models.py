"""Credit applications and the rows their state is derived from.

An application is a trainee's request for credit on one frozen, endorsed plan version (the version is fixed
for good). Its state is never stored: it is read from its scores (application_scores), the four-eyes
proposals on it (workbench/lending/decisions.py) and the loan paid out on it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.auth.models import User
from workbench.extensions import db
from workbench.plans.models import PlanVersion
from workbench.timeutil import utcnow

#: The legal form the business will take.
LEGAL_FORMS = ("individual", "partnership", "srl")


class CreditApplication(db.Model):
    """A request for credit on a frozen plan version: one per version (a second press, a second tab or a
    second window finds the first). Rows are never changed: the migration's triggers refuse it."""

    __tablename__ = "credit_applications"
    __audit_type__ = "credit_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The endorsed version applied on: fixed for good, and one application per version.
    plan_version_id: Mapped[int] = mapped_column(
        ForeignKey("plan_versions.id", ondelete="RESTRICT"), unique=True
    )
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    term_months: Mapped[int]
    grace_months: Mapped[int] = mapped_column(default=0)
    purpose: Mapped[str] = mapped_column(Text)
    #: One of LEGAL_FORMS.
    legal_form: Mapped[str] = mapped_column(String(20))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    applicant: Mapped[User] = relationship()
    plan_version: Mapped[PlanVersion] = relationship()
