"""Business plans: the trainee's moving draft, its answers, and the frozen versions sent for review."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.audit.models import append_only
from workbench.auth.models import User
from workbench.extensions import db
from workbench.timeutil import utcnow


class ReviewState(StrEnum):
    """Where the plan stands in review, derived from its versions and the decisions on them (plans/review.py),
    never stored. The draft itself stays editable whatever the state."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    RESUBMITTED = "resubmitted"
    #: The latest version is endorsed as ready for credit: the trainee may apply for a loan on it.
    ENDORSED = "endorsed"


class Decision(StrEnum):
    """What a reviewer decided on one version: send it back with what to change, or endorse it as ready for
    credit (what lets the trainee apply for a loan on it)."""

    CHANGES_REQUESTED = "changes_requested"
    ENDORSED = "endorsed"


class BusinessPlan(db.Model):
    __tablename__ = "business_plans"
    __audit_type__ = "business_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The business type whose template the plan follows (workbench/plans/business_types/<key>.json).
    business_type: Mapped[str] = mapped_column(String(32))
    template_version: Mapped[int]
    title: Mapped[str] = mapped_column(String(160))
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
    #: Never deleted with the plan: the database refuses to delete a plan that has versions (RESTRICT).
    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.number", passive_deletes="all"
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
    plan_id: Mapped[int] = mapped_column(ForeignKey("business_plans.id", ondelete="RESTRICT"), index=True)
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
    #: The reviewer's decision on this version, once there is one.
    decision: Mapped[ReviewDecision | None] = relationship(viewonly=True)


@event.listens_for(PlanVersion, "before_update")
def _versions_are_frozen(_mapper, _connection, target: PlanVersion) -> None:
    raise ValueError(f"plan version {target.number} of plan {target.plan_id} is frozen and cannot change")


@event.listens_for(BusinessPlan, "before_delete")
def _plans_with_versions_stay(_mapper, connection, target: BusinessPlan) -> None:
    """A plan sent for review is part of the record (reviews, scores and loans point at its versions). The
    database refuses with RESTRICT; this says so on every engine, SQLite without foreign keys included."""
    sent = connection.scalar(select(PlanVersion.id).where(PlanVersion.plan_id == target.id).limit(1))
    if sent is not None:
        raise ValueError(f"plan {target.id} has versions sent for review and cannot be deleted")


@append_only
class ReviewDecision(db.Model):
    """A reviewer's decision on one frozen version: append-only, one per version. The plan's review state is
    derived from these rows; the audit trail records them but is never their only copy."""

    __tablename__ = "review_decisions"
    __audit_type__ = "review_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One decision per version: a second one (a double click, another tab) meets the unique key.
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="RESTRICT"), unique=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: One of Decision.
    decision: Mapped[str] = mapped_column(String(24))
    #: What the reviewer wrote to the trainee (what to change, or why the plan is ready).
    note: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    version: Mapped[PlanVersion] = relationship()
    reviewer: Mapped[User] = relationship()
