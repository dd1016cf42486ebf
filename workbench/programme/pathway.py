"""A trainee's individual pathway: goals agreed with them, services offered, and the individual budget
("dote") with what has been spent of it (models in workbench/programme/pathway_models.py).

Managers keep it; the trainee's mentors read it; the trainee reads their own goals and budget on their path.

- Goals and services are added, then change status (open -> achieved or dropped; offered -> taken up or
  declined, and back): a compare-and-set on the status the page showed, so of two managers at once one change
  is stored and the other is told what it is now. Their text is not edited: a goal that changes is dropped
  and agreed anew, so the plan keeps its history.
- The budget: an amount granted per category (BUDGET_CATEGORIES), compare-and-set on the grant's revision,
  never below what is already spent in it. Spendings are rows of record: each within what remains of its
  category (refused above, with the figures), the same form sent twice records one row (its token), and a
  mistaken one is taken back by a reversal row, once. What is spent and what remains are computed from the
  rows on every read. Each change holds the grant's row, so two spendings at once never go over it together.

Every change is audited; services flush, the request commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance.money import CENT, ZERO
from workbench.programme.locking import hold_row
from workbench.programme.pathway_models import (
    GOAL_STATUSES,
    REVERSAL,
    SERVICE_STATUSES,
    SPENDING,
    BudgetGrant,
    BudgetSpending,
    PathwayGoal,
    PathwayService,
)
from workbench.timeutil import programme_today, utcnow
from workbench.web.formatting import money

#: The categories of an individual budget, in the order pages list them. The "dote" of the Italian
#: programmes (PUOI: 5,940 EUR each) paid the labour-market operator's services, the trainee's allowance
#: (indennità) and a contribution to the company's tutoring. A programme adds a category here.
BUDGET_CATEGORIES = {
    "operator_services": _l("Operator services"),
    "allowance": _l("Allowance"),
    "company_tutoring": _l("Company tutoring"),
    "other": _l("Other"),
}
GOAL_STATUS_LABELS = {
    "open": _l("open"),
    "achieved": _l("achieved"),
    "dropped": _l("dropped"),
}
SERVICE_STATUS_LABELS = {
    "offered": _l("offered"),
    "taken_up": _l("taken up"),
    "declined": _l("declined"),
}
#: Bounds on what is typed.
MAX_GOAL = 500
MAX_SERVICE = 300
MAX_PROVIDER = 120
MAX_NOTE = 200
#: No category of an individual budget is granted more than this (the dote was 5,940 EUR in all).
MAX_GRANT = Decimal("100000.00")


def new_spending_key() -> str:
    """The token a spending form carries: sent twice, it records one row."""
    return secrets.token_hex(16)


# --- what the pages show ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetLine:
    """One category of a trainee's budget: granted, spent and what remains (computed, never stored)."""

    category: str
    grant: BudgetGrant | None
    spent: Decimal

    @property
    def label(self) -> str:
        return str(BUDGET_CATEGORIES.get(self.category, self.category))

    @property
    def granted(self) -> Decimal:
        return self.grant.amount if self.grant is not None else ZERO

    @property
    def remaining(self) -> Decimal:
        return self.granted - self.spent


@dataclass(frozen=True)
class Pathway:
    #: How statuses and categories read, for the pages.
    goal_labels: ClassVar[dict] = GOAL_STATUS_LABELS
    service_labels: ClassVar[dict] = SERVICE_STATUS_LABELS

    goals: list[PathwayGoal]
    services: list[PathwayService]
    lines: list[BudgetLine]
    #: Spending and reversal rows, the latest first.
    spendings: list[BudgetSpending] = field(default_factory=list)

    @property
    def has_budget(self) -> bool:
        return any(line.grant is not None for line in self.lines)

    @property
    def granted(self) -> Decimal:
        return sum((line.granted for line in self.lines), ZERO)

    @property
    def spent(self) -> Decimal:
        return sum((line.spent for line in self.lines), ZERO)

    @property
    def remaining(self) -> Decimal:
        return self.granted - self.spent

    @property
    def reversed_ids(self) -> set[int]:
        return {row.reverses_id for row in self.spendings if row.reverses_id is not None}

    @staticmethod
    def category_label(category: str) -> str:
        return str(BUDGET_CATEGORIES.get(category, category))

    @property
    def is_empty(self) -> bool:
        return not (self.goals or self.services or self.has_budget)


def spent_of(spendings: list[BudgetSpending]) -> Decimal:
    """Spendings less reversals."""
    return sum((row.amount if row.kind == SPENDING else -row.amount for row in spendings), ZERO)


def budget_lines(grants: list[BudgetGrant], spendings: list[BudgetSpending]) -> list[BudgetLine]:
    """Each category, in BUDGET_CATEGORIES's order (and any category stored but no longer listed after)."""
    by_category = {grant.category: grant for grant in grants}
    rows_of: dict[int, list[BudgetSpending]] = {}
    for row in spendings:
        rows_of.setdefault(row.grant_id, []).append(row)
    categories = list(BUDGET_CATEGORIES) + sorted(set(by_category) - set(BUDGET_CATEGORIES))
    return [
        BudgetLine(
            category,
            by_category.get(category),
            spent_of(rows_of.get(by_category[category].id, [])) if category in by_category else ZERO,
        )
        for category in categories
    ]


def pathway_of(trainee: User) -> Pathway:
    goals = db.session.scalars(
        select(PathwayGoal)
        .where(PathwayGoal.trainee_id == trainee.id)
        .order_by(PathwayGoal.agreed_on, PathwayGoal.id)
    ).all()
    services = db.session.scalars(
        select(PathwayService)
        .where(PathwayService.trainee_id == trainee.id)
        .order_by(PathwayService.offered_on, PathwayService.id)
    ).all()
    grants = db.session.scalars(select(BudgetGrant).where(BudgetGrant.trainee_id == trainee.id)).all()
    spendings = db.session.scalars(
        select(BudgetSpending)
        .join(BudgetGrant, BudgetGrant.id == BudgetSpending.grant_id)
        .where(BudgetGrant.trainee_id == trainee.id)
        .options(selectinload(BudgetSpending.grant))
        .order_by(BudgetSpending.spent_on.desc(), BudgetSpending.id.desc())
    ).all()
    return Pathway(list(goals), list(services), budget_lines(list(grants), list(spendings)), list(spendings))


# --- goals and services -------------------------------------------------------------------------------------


def _check_trainee(trainee: User) -> None:
    if not trainee.has_role(Role.TRAINEE):
        raise DomainError({"": _("Only trainees have an individual pathway.")})


def _text(value: str, most: int, field_name: str, missing: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise DomainError({field_name: missing})
    if len(text) > most:
        raise DomainError({field_name: _("At most %(n)d characters.", n=most)})
    return text


def add_goal(trainee: User, text: str, agreed_on: date, actor: User) -> PathwayGoal:
    _check_trainee(trainee)
    text = _text(text, MAX_GOAL, "text", _("Write the goal agreed with the trainee."))
    goal = PathwayGoal(
        trainee_id=trainee.id, text=text, agreed_on=agreed_on, status="open", created_by_id=actor.id
    )
    db.session.add(goal)
    record(
        "pathway_goal.added",
        goal,
        actor,
        after={"trainee_id": trainee.id, "text": text, "agreed_on": agreed_on.isoformat(), "status": "open"},
    )
    return goal


def add_service(
    trainee: User, description: str, provider: str | None, offered_on: date, actor: User
) -> PathwayService:
    _check_trainee(trainee)
    description = _text(description, MAX_SERVICE, "description", _("Say which service is offered."))
    provider = " ".join((provider or "").split()) or None
    if provider and len(provider) > MAX_PROVIDER:
        raise DomainError({"provider": _("At most %(n)d characters.", n=MAX_PROVIDER)})
    service = PathwayService(
        trainee_id=trainee.id,
        description=description,
        provider=provider,
        offered_on=offered_on,
        status="offered",
        created_by_id=actor.id,
    )
    db.session.add(service)
    record(
        "pathway_service.added",
        service,
        actor,
        after={
            "trainee_id": trainee.id,
            "description": description,
            "provider": provider,
            "offered_on": offered_on.isoformat(),
            "status": "offered",
        },
    )
    return service


def _set_status(row: PathwayGoal | PathwayService, status: str, seen: str) -> bool:
    """Compare-and-set of the row's status on the one the page showed; whether it changed (the caller
    records it)."""
    model = type(row)
    allowed = GOAL_STATUSES if model is PathwayGoal else SERVICE_STATUSES
    if status not in allowed:
        raise DomainError({"status": _("Choose one of the options.")})
    db.session.refresh(row, ["status"])
    if row.status == status:
        return False  # the same change a moment ago (a double click, another tab)
    if row.status != seen:
        labels = GOAL_STATUS_LABELS if model is PathwayGoal else SERVICE_STATUS_LABELS
        raise DomainError(
            {
                "status": _(
                    "Someone changed this a moment ago: it is %(status)s now. Nothing was changed; choose "
                    "again if you still want to.",
                    status=labels[row.status],
                )
            }
        )
    result = db.session.execute(
        update(model)
        .where(model.id == row.id, model.status == seen)
        .values(status=status, updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    db.session.refresh(row, ["status", "updated_at"])
    if result.rowcount != 1:
        if row.status == status:
            return False
        raise DomainError({"status": _("Someone changed this a moment ago. Look at it again, then choose.")})
    return True


def set_goal_status(goal: PathwayGoal, status: str, *, seen: str, actor: User) -> bool:
    """The goal is achieved or dropped (or open again); whether it changed."""
    if not _set_status(goal, status, seen):
        return False
    after = {"status": status, "trainee_id": goal.trainee_id}
    record("pathway_goal.status_changed", goal, actor, before={"status": seen}, after=after)
    return True


def set_service_status(service: PathwayService, status: str, *, seen: str, actor: User) -> bool:
    """The service is taken up or declined (or offered again); whether it changed."""
    if not _set_status(service, status, seen):
        return False
    after = {"status": status, "trainee_id": service.trainee_id}
    record("pathway_service.status_changed", service, actor, before={"status": seen}, after=after)
    return True


# --- the budget ---------------------------------------------------------------------------------------------


def grant_of(trainee: User, category: str) -> BudgetGrant | None:
    return db.session.scalars(
        select(BudgetGrant)
        .where(BudgetGrant.trainee_id == trainee.id, BudgetGrant.category == category)
        .execution_options(populate_existing=True)
    ).one_or_none()


def _spent_now(grant: BudgetGrant) -> Decimal:
    rows = db.session.scalars(select(BudgetSpending).where(BudgetSpending.grant_id == grant.id)).all()
    return spent_of(list(rows))


def check_amount(amount: Decimal, field_name: str, *, zero: bool) -> Decimal:
    if amount != amount.quantize(CENT):
        raise DomainError({field_name: _("At most two decimals: euros and cents.")})
    if amount < 0 or (amount == 0 and not zero):
        raise DomainError(
            {field_name: _("An amount above zero.") if not zero else _("This cannot be below zero.")}
        )
    if amount > MAX_GRANT:
        raise DomainError({field_name: _("At most %(amount)s.", amount=money(MAX_GRANT))})
    return amount.quantize(CENT)


def set_grant(
    trainee: User, category: str, amount: Decimal, *, seen_revision: int, actor: User
) -> BudgetGrant:
    """Grant `amount` in the category (0 takes the category's money away, not what is spent). Refused below
    what is already spent in it, or when another manager set it since the page showed revision
    `seen_revision` (0: not granted yet)."""
    _check_trainee(trainee)
    if category not in BUDGET_CATEGORIES:
        raise DomainError({"amount": _("Choose one of the options.")})
    amount = check_amount(amount, "amount", zero=True)
    grant = grant_of(trainee, category)
    if grant is None:
        grant = _insert_grant(trainee, category, amount, actor)
        if grant is not None:
            return grant
        grant = grant_of(trainee, category)  # another manager's first grant won the unique key
        assert grant is not None
    hold_row(BudgetGrant, grant.id)
    db.session.refresh(grant)
    if grant.amount == amount:
        return grant
    if grant.revision != seen_revision:
        raise DomainError(
            {
                "amount": _(
                    "Another manager set this to %(amount)s a moment ago. Nothing was changed; save again to "
                    "replace it.",
                    amount=money(grant.amount),
                )
            }
        )
    spent = _spent_now(grant)
    if amount < spent:
        raise DomainError(
            {
                "amount": _(
                    "%(spent)s is already spent in this category: the amount granted cannot be below it.",
                    spent=money(spent),
                )
            }
        )
    before = grant.amount
    grant.amount, grant.revision, grant.updated_by_id, grant.updated_at = (
        amount,
        grant.revision + 1,
        actor.id,
        utcnow(),
    )
    db.session.flush()
    record(
        "budget_grant.set",
        grant,
        actor,
        before={"amount": str(before)},
        after={
            "trainee_id": trainee.id,
            "category": category,
            "amount": str(amount),
            "revision": grant.revision,
        },
    )
    return grant


def _insert_grant(trainee: User, category: str, amount: Decimal, actor: User) -> BudgetGrant | None:
    """The category's first grant, unless another manager's was stored meanwhile (skipped without an error
    that would end the transaction)."""
    insert = sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else postgresql_insert
    moment = utcnow()
    inserted = db.session.execute(
        insert(BudgetGrant)
        .values(
            trainee_id=trainee.id,
            category=category,
            amount=amount,
            revision=1,
            updated_by_id=actor.id,
            created_at=moment,
            updated_at=moment,
        )
        .on_conflict_do_nothing(index_elements=["trainee_id", "category"])
        .returning(BudgetGrant.id)
    ).scalar_one_or_none()
    if inserted is None:
        return None
    grant = db.session.get(BudgetGrant, inserted)
    assert grant is not None
    record(
        "budget_grant.set",
        grant,
        actor,
        before={"amount": None},
        after={"trainee_id": trainee.id, "category": category, "amount": str(amount), "revision": 1},
    )
    return grant


def record_spending(
    trainee: User,
    category: str,
    *,
    spent_on: date,
    amount: Decimal,
    note: str,
    key: str,
    actor: User,
    today: date | None = None,
) -> BudgetSpending:
    """Spend `amount` from the category: within what remains of it, on a day not after today. The same form
    (its `key`) sent twice records one row and gives it back."""
    _check_trainee(trainee)
    errors: dict[str, str] = {}
    if category not in BUDGET_CATEGORIES:
        errors["category"] = _("Choose one of the options.")
    if spent_on > (today or programme_today()):
        errors["spent_on"] = _("A spending is recorded once made: the date cannot be in the future.")
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        errors["note"] = _("At most %(n)d characters.", n=MAX_NOTE)
    try:
        amount = check_amount(amount, "amount", zero=False)
    except DomainError as error:
        errors |= error.errors
    if errors:
        raise DomainError(errors)
    grant = grant_of(trainee, category)
    if grant is None:
        raise DomainError(
            {
                "category": _(
                    "Nothing is granted in %(category)s: grant an amount first.",
                    category=BUDGET_CATEGORIES[category],
                )
            }
        )
    hold_row(BudgetGrant, grant.id)
    db.session.refresh(grant)
    same = spending_by_key(key)
    if same is not None:
        return same
    spent = _spent_now(grant)
    if spent + amount > grant.amount:
        raise DomainError(
            {
                "amount": _(
                    "Only %(remaining)s is left in %(category)s (granted %(granted)s, spent %(spent)s): "
                    "this spending would go over it.",
                    remaining=money(grant.amount - spent),
                    category=BUDGET_CATEGORIES[category],
                    granted=money(grant.amount),
                    spent=money(spent),
                )
            }
        )
    row = BudgetSpending(
        grant_id=grant.id,
        kind=SPENDING,
        spent_on=spent_on,
        amount=amount,
        note=note,
        idempotency_key=key,
        recorded_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():  # behind the lock only a programming error could meet the key
            db.session.add(row)
    except IntegrityError:
        same = spending_by_key(key)
        if same is None:
            raise
        return same
    record(
        "budget_spending.recorded",
        row,
        actor,
        after={
            "trainee_id": trainee.id,
            "category": category,
            "spent_on": spent_on.isoformat(),
            "amount": str(amount),
            "note": note,
        },
    )
    return row


def spending_by_key(key: str) -> BudgetSpending | None:
    return db.session.scalars(
        select(BudgetSpending).where(BudgetSpending.idempotency_key == key)
    ).one_or_none()


def reverse_spending(
    spending: BudgetSpending, reason: str, actor: User, today: date | None = None
) -> BudgetSpending:
    """Take a mistaken spending back with a reversal row; a spending already reversed (a double click) gives
    its reversal back."""
    if spending.kind != SPENDING:
        raise DomainError({"": _("A reversal cannot be reversed.")})
    reason = _text(reason, MAX_NOTE, "reason", _("Say why this spending is taken back."))
    hold_row(BudgetGrant, spending.grant_id)
    existing = db.session.scalars(
        select(BudgetSpending).where(BudgetSpending.reverses_id == spending.id)
    ).one_or_none()
    if existing is not None:
        return existing
    row = BudgetSpending(
        grant_id=spending.grant_id,
        kind=REVERSAL,
        spent_on=today or programme_today(),
        amount=spending.amount,
        note=reason,
        reverses_id=spending.id,
        idempotency_key=new_spending_key(),
        recorded_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    grant = spending.grant
    record(
        "budget_spending.reversed",
        row,
        actor,
        after={
            "trainee_id": grant.trainee_id,
            "category": grant.category,
            "reverses_id": spending.id,
            "amount": str(spending.amount),
            "note": reason,
        },
    )
    return row
