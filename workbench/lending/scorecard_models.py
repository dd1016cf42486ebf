"""The scorecard's versions and the scores officers give applications with them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.auth.models import User
from workbench.extensions import db
from workbench.lending.application_models import CreditApplication
from workbench.timeutil import utcnow


class ScorecardVersion(db.Model):
    """One version of the scorecard: criteria with weights summing to 100 and the bands' thresholds. A change
    is a new row; a score keeps the version it was made with. Rows are never changed."""

    __tablename__ = "scorecard_versions"
    __audit_type__ = "scorecard_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    #: [{"key": "dscr", "weight": 20}, ...]: the keys of workbench.lending.scorecard.CRITERIA.
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: A total at or above this is "recommend"; at or above discuss_from "discuss"; below, "do not recommend".
    recommend_from: Mapped[int]
    discuss_from: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ApplicationScore(db.Model):
    """An officer's score of an application, numbered per application: the officer's form says which score
    it was made from and the new one takes the next number (unique), so of two officers scoring at once one
    is stored and the other is told. The latest is the application's score. Rows are never changed."""

    __tablename__ = "application_scores"
    __audit_type__ = "application_score"
    __table_args__ = (UniqueConstraint("application_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("credit_applications.id", ondelete="RESTRICT"), index=True
    )
    sequence: Mapped[int]
    scorecard_version_id: Mapped[int] = mapped_column(
        ForeignKey("scorecard_versions.id", ondelete="RESTRICT")
    )
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: Each criterion as scored: key, value shown, normalised (0..1), weight, contribution, rating, comment.
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    total: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    #: The band the total falls in, and the officer's band when they overrode it (with the reason).
    computed_band: Mapped[str] = mapped_column(String(20))
    band: Mapped[str] = mapped_column(String(20))
    override_reason: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    application: Mapped[CreditApplication] = relationship()
    officer: Mapped[User] = relationship()
    scorecard_version: Mapped[ScorecardVersion] = relationship()

    @property
    def overridden(self) -> bool:
        return self.band != self.computed_band
