"""Business plans: the trainee's moving draft, its answers, and the frozen versions sent for review."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.auth.models import User
from workbench.extensions import db
from workbench.timeutil import utcnow


class PlanStatus(StrEnum):
    """Where the plan stands in review. The draft itself stays editable whatever the status."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    RESUBMITTED = "resubmitted"


class BusinessPlan(db.Model):
    __tablename__ = "business_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The business type whose template the plan follows (workbench/plans/business_types/<key>.json).
    business_type: Mapped[str] = mapped_column(String(32))
    template_version: Mapped[int]
    title: Mapped[str] = mapped_column(String(160))
    #: One of PlanStatus.
    status: Mapped[str] = mapped_column(String(24), default=PlanStatus.DRAFT.value)
    #: The financial assumptions document (schema owned by workbench.finance).
    assumptions: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Bumped on every save of the assumptions, so a stale tab is detected instead of overwriting.
    assumptions_revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    owner: Mapped[User] = relationship()
    answers: Mapped[list[PlanAnswer]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", lazy="selectin"
    )
    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.number", cascade="all, delete-orphan"
    )

    def answer(self, question_key: str) -> PlanAnswer | None:
        return next((a for a in self.answers if a.question_key == question_key), None)

    @property
    def latest_version(self) -> PlanVersion | None:
        return self.versions[-1] if self.versions else None


class PlanAnswer(db.Model):
    """The current text of one question. `revision` detects a save made from a stale copy of the page."""

    __tablename__ = "plan_answers"
    __table_args__ = (UniqueConstraint("plan_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("business_plans.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    #: The language the person wrote this answer in (ISO 639-1), which may differ from the interface.
    language: Mapped[str] = mapped_column(String(8))
    revision: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    plan: Mapped[BusinessPlan] = relationship(back_populates="answers")


class PlanVersion(db.Model):
    """A plan as it was sent for review: immutable. Reviews, scores and loans point here."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("business_plans.id", ondelete="CASCADE"), index=True)
    #: 1 for the first submission, then 2, 3...
    number: Mapped[int]
    business_type: Mapped[str] = mapped_column(String(32))
    template_version: Mapped[int]
    title: Mapped[str] = mapped_column(String(160))
    #: {question key: {"text": ..., "language": ...}}
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    assumptions: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The projection computed at submission: {"months": [...], "table": {row: [...]}, "metrics": {...}}.
    results: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    plan: Mapped[BusinessPlan] = relationship(back_populates="versions")


@event.listens_for(PlanVersion, "before_update")
def _versions_are_frozen(_mapper, _connection, target: PlanVersion) -> None:
    raise ValueError(f"plan version {target.number} of plan {target.plan_id} is frozen and cannot change")
