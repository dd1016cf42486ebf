"""Milestone state changes and reads: the templates managers keep, the milestones journey events give, and
what people do with them (done with evidence, waived with a reason, signed off, reopened).

Every change is audited and made by compare-and-set on a revision, so a double click or a second tab
changes a row once and the other press gets a clear message. Services flush; the request commits. The
receivers of the journey signals only add rows to the sender's session, in its transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from workbench import events
from workbench.audit.services import record
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.mentoring.milestone_models import (
    BUILTIN_TEMPLATES,
    Milestone,
    MilestoneEvent,
    MilestoneStatus,
    MilestoneTemplate,
)
from workbench.timeutil import as_utc, programme_day, programme_today, utcnow

#: Longest text kept as evidence or as a waiver's reason.
MAX_NOTE_CHARACTERS = 2000
#: Longest offset a template may have: ten years covers any repayment.
MAX_OFFSET_DAYS = 3650

RESPONSIBLE_ROLES = (Role.TRAINEE, Role.MENTOR, Role.OFFICER, Role.MANAGER)


# --- templates ----------------------------------------------------------------------------------------------


def ensure_builtin_templates() -> int:
    """Add the built-in templates that are missing (the first use after migrating); how many were added.

    Idempotent and safe when two requests do it at once: the stable key is unique and a row already there is
    skipped by the database, never doubled and never reactivated."""
    present = set(db.session.scalars(select(MilestoneTemplate.key).where(MilestoneTemplate.key.is_not(None))))
    missing = [builtin for builtin in BUILTIN_TEMPLATES if builtin.key not in present]
    if not missing:
        return 0
    insert = sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else postgresql_insert
    added = 0
    moment = utcnow()
    for builtin in missing:
        template_id = db.session.execute(
            insert(MilestoneTemplate)
            .values(
                key=builtin.key,
                title=None,
                responsible_role=builtin.responsible_role.value,
                event=builtin.event.value,
                offset_days=builtin.offset_days,
                active=True,
                position=builtin.position,
                revision=1,
                created_at=moment,
                updated_at=moment,
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(MilestoneTemplate.id)
        ).scalar_one_or_none()
        if template_id is not None:
            added += 1
            template = db.session.get(MilestoneTemplate, template_id)
            record("milestone_template.created", template, None, after=_template_facts(template))
    return added


def templates_in_order() -> list[MilestoneTemplate]:
    return list(
        db.session.scalars(
            select(MilestoneTemplate).order_by(MilestoneTemplate.position, MilestoneTemplate.id)
        )
    )


def _template_facts(template: MilestoneTemplate) -> dict[str, Any]:
    return {
        "key": template.key,
        "title": template.title,
        "responsible_role": template.responsible_role,
        "event": template.event,
        "offset_days": template.offset_days,
        "position": template.position,
        "active": template.active,
    }


def _check_template(title: str | None, responsible_role: str, event: str, offset_days: int, position: int):
    errors = {}
    if title is not None and not title.strip():
        errors["title"] = _("Give the milestone a title.")
    elif title is not None and len(title.strip()) > 160:
        errors["title"] = _("A title has at most %(n)d characters.", n=160)
    if responsible_role not in {role.value for role in RESPONSIBLE_ROLES}:
        errors["responsible_role"] = _("Choose who is responsible.")
    if event not in {e.value for e in MilestoneEvent}:
        errors["event"] = _("Choose the event the due date counts from.")
    if not 0 <= offset_days <= MAX_OFFSET_DAYS:
        errors["offset_days"] = _("Between %(low)d and %(high)d days.", low=0, high=MAX_OFFSET_DAYS)
    if not 0 <= position <= 999:
        errors["position"] = _("Between %(low)d and %(high)d.", low=0, high=999)
    if errors:
        raise DomainError(errors)


def create_template(
    *, title: str, responsible_role: str, event: str, offset_days: int, position: int, actor: User
) -> MilestoneTemplate:
    _check_template(title, responsible_role, event, offset_days, position)
    template = MilestoneTemplate(
        title=title.strip(),
        responsible_role=responsible_role,
        event=event,
        offset_days=offset_days,
        position=position,
    )
    db.session.add(template)
    db.session.flush()
    record("milestone_template.created", template, actor, after=_template_facts(template))
    return template


def update_template(
    template: MilestoneTemplate,
    *,
    base_revision: int,
    title: str | None,
    responsible_role: str,
    event: str,
    offset_days: int,
    position: int,
    actor: User,
) -> bool:
    """Store the manager's edit unless the template changed since their page loaded it; whether anything
    changed. A built-in keeps its translated title when `title` is None (the form left it as shown).

    Milestones already given keep their due date and responsible role: the edit applies to the next ones."""
    _check_template(title, responsible_role, event, offset_days, position)
    values = {
        "title": title.strip() if title is not None else template.title,
        "responsible_role": responsible_role,
        "event": event,
        "offset_days": offset_days,
        "position": position,
    }
    changes = _change_template(template, base_revision, values)
    if changes is None:
        return False
    record("milestone_template.changed", template, actor, before=changes[0], after=changes[1])
    return True


def set_template_active(
    template: MilestoneTemplate, *, active: bool, base_revision: int, actor: User
) -> bool:
    """Switch a template off (it gives no new milestones; the given ones stay) or on again."""
    changes = _change_template(template, base_revision, {"active": active})
    if changes is None:
        return False
    record(
        "milestone_template.reactivated" if active else "milestone_template.deactivated",
        template,
        actor,
        before=changes[0],
        after=changes[1],
    )
    return True


Changes = tuple[dict[str, Any], dict[str, Any]]


def _change_template(
    template: MilestoneTemplate, base_revision: int, values: dict[str, Any]
) -> Changes | None:
    """Write `values` by compare-and-set on the revision; the fields changed (before, after), or None when
    nothing needed writing."""
    before = {name: getattr(template, name) for name in values}
    if base_revision == template.revision and before == values:
        return None
    if base_revision != template.revision:
        raise DomainError(
            {"": _("Another manager changed this template since you opened it. Here it is as it is now.")}
        )
    result = db.session.execute(
        update(MilestoneTemplate)
        .where(MilestoneTemplate.id == template.id, MilestoneTemplate.revision == base_revision)
        .values(**values, revision=base_revision + 1, updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    db.session.refresh(template)
    if result.rowcount != 1:
        if {name: getattr(template, name) for name in values} == values:
            return None  # the same change, saved a moment ago from another tab
        raise DomainError(
            {"": _("Another manager changed this template since you opened it. Here it is as it is now.")}
        )
    changed = [name for name in values if before[name] != values[name]]
    return (
        {name: before[name] for name in changed},
        {name: values[name] for name in changed} | {"revision": template.revision},
    )


# --- milestones given by journey events -----------------------------------------------------------------


def give_milestones(
    event: MilestoneEvent,
    *,
    trainee_id: int,
    start: date,
    actor: User | None,
    loan_id: int | None = None,
) -> list[Milestone]:
    """One milestone per active template of `event`, due `offset_days` after `start`; none that the trainee
    (or, after a disbursement, the loan) already has from the same template."""
    ensure_builtin_templates()
    templates = list(
        db.session.scalars(
            select(MilestoneTemplate)
            .where(MilestoneTemplate.event == event.value, MilestoneTemplate.active.is_(True))
            .order_by(MilestoneTemplate.position, MilestoneTemplate.id)
        )
    )
    if not templates:
        return []
    given = select(Milestone.template_id).where(Milestone.template_id.in_([t.id for t in templates]))
    if loan_id is None:
        given = given.where(Milestone.trainee_id == trainee_id, Milestone.loan_id.is_(None))
    else:
        given = given.where(Milestone.loan_id == loan_id)
    already = set(db.session.scalars(given))
    made = []
    for template in templates:
        if template.id in already:
            continue
        milestone = Milestone(
            template=template,
            trainee_id=trainee_id,
            loan_id=loan_id,
            responsible_role=template.responsible_role,
            event=event.value,
            due_on=start + timedelta(days=template.offset_days),
        )
        try:
            with db.session.begin_nested():
                db.session.add(milestone)
        except IntegrityError:  # given by another request at the same moment: once is enough
            continue
        record(
            "milestone.created",
            milestone,
            actor,
            after={
                "template_id": template.id,
                "trainee_id": trainee_id,
                "loan_id": loan_id,
                "event": event.value,
                "due_on": milestone.due_on.isoformat(),
            },
        )
        made.append(milestone)
    return made


def on_enrolled(enrolment: Any, actor: User | None = None, **_extra: Any) -> None:
    give_milestones(
        MilestoneEvent.ENROLLED,
        trainee_id=enrolment.user_id,
        start=programme_day(enrolment.enrolled_at),
        actor=actor,
    )


def on_plan_endorsed(decision: Any, actor: User | None = None, **_extra: Any) -> None:
    give_milestones(
        MilestoneEvent.PLAN_ENDORSED,
        trainee_id=decision.version.plan.owner_id,
        start=programme_day(getattr(decision, "decided_at", None)),
        actor=actor,
    )


def on_loan_disbursed(loan: Any, actor: User | None = None, **_extra: Any) -> None:
    give_milestones(
        MilestoneEvent.LOAN_DISBURSED,
        trainee_id=loan.borrower_id,
        start=loan.disbursed_on,
        actor=actor,
        loan_id=loan.id,
    )


def connect_receivers() -> None:
    """Listen to the journey signals (blinker keeps one connection per receiver, however often called)."""
    events.enrolled.connect(on_enrolled)
    events.plan_endorsed.connect(on_plan_endorsed)
    events.loan_disbursed.connect(on_loan_disbursed)


# --- what people do with a milestone --------------------------------------------------------------------


def _clean_note(text: str | None, field: str, missing: str) -> str:
    note = (text or "").strip()
    if not note:
        raise DomainError({field: missing})
    if len(note) > MAX_NOTE_CHARACTERS:
        raise DomainError({field: _("At most %(n)d characters.", n=MAX_NOTE_CHARACTERS)})
    return note


def where_it_stands(milestone: Milestone) -> str:
    """One sentence on the milestone as stored now, for a press made from a page that was out of date."""
    if milestone.status == MilestoneStatus.DONE:
        who = milestone.done_by.full_name if milestone.done_by else _("someone")
        if milestone.signed_off_at is not None:
            return _("It is already done (%(name)s) and signed off.", name=who)
        return _("It is already marked done by %(name)s.", name=who)
    if milestone.status == MilestoneStatus.WAIVED:
        who = milestone.waived_by.full_name if milestone.waived_by else _("someone")
        return _("It was already waived by %(name)s.", name=who)
    return _("It is pending.")


class StaleMilestone(DomainError):
    """The milestone changed since the page showing it was loaded: nothing was changed."""


def _stale(milestone: Milestone) -> StaleMilestone:
    return StaleMilestone(
        {"": _("This milestone changed since your page was loaded. %(now)s", now=where_it_stands(milestone))}
    )


def _change(
    milestone: Milestone,
    base_revision: int,
    expected: set[str],
    values: dict[str, Any],
    signed_off: bool | None = None,
) -> Changes:
    """Write `values` if the milestone is still at `base_revision` and in an `expected` status (and signed
    off or not, when `signed_off` says which); the fields changed (before, after). Else StaleMilestone, with
    where it stands now."""
    if base_revision != milestone.revision:
        raise _stale(milestone)
    if milestone.status not in expected or (
        signed_off is not None and (milestone.signed_off_at is not None) != signed_off
    ):
        raise DomainError(
            {"": _("This cannot be done to this milestone. %(now)s", now=where_it_stands(milestone))}
        )
    names = list(values)
    before = {name: getattr(milestone, name) for name in names}
    result = db.session.execute(
        update(Milestone)
        .where(Milestone.id == milestone.id, Milestone.revision == base_revision)
        .values(**values, revision=base_revision + 1),
        execution_options={"synchronize_session": False},
    )
    db.session.refresh(milestone)
    if result.rowcount != 1:  # another press won the race
        raise _stale(milestone)
    plain = {name: _plain(before[name]) for name in names}
    now = {name: _plain(getattr(milestone, name)) for name in names}
    changed = [name for name in names if plain[name] != now[name]]
    return (
        {name: plain[name] for name in changed},
        {name: now[name] for name in changed} | {"revision": milestone.revision},
    )


def _plain(value: Any) -> Any:
    """A value as the audit trail's JSON keeps it (moments in UTC whatever the engine hands back)."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return value.isoformat() if isinstance(value, date) else value


def mark_done(milestone: Milestone, actor: User, *, evidence: str, base_revision: int) -> None:
    note = _clean_note(evidence, "evidence", _("Say how it was reached: a document, a date, a number."))
    before, after = _change(
        milestone,
        base_revision,
        {MilestoneStatus.PENDING},
        {"status": MilestoneStatus.DONE.value, "evidence": note, "done_at": utcnow(), "done_by_id": actor.id},
    )
    record("milestone.done", milestone, actor, before=before, after=after)


def waive(milestone: Milestone, actor: User, *, reason: str, base_revision: int) -> None:
    note = _clean_note(reason, "reason", _("Say why this milestone no longer applies."))
    before, after = _change(
        milestone,
        base_revision,
        {MilestoneStatus.PENDING},
        {
            "status": MilestoneStatus.WAIVED.value,
            "waiver_reason": note,
            "waived_at": utcnow(),
            "waived_by_id": actor.id,
        },
    )
    record("milestone.waived", milestone, actor, before=before, after=after)


def sign_off(milestone: Milestone, actor: User, *, base_revision: int) -> None:
    before, after = _change(
        milestone,
        base_revision,
        {MilestoneStatus.DONE},
        {"signed_off_at": utcnow(), "signed_off_by_id": actor.id},
        signed_off=False,
    )
    record("milestone.signed_off", milestone, actor, before=before, after=after)


def reopen(milestone: Milestone, actor: User, *, base_revision: int) -> None:
    """Back to pending: what it was done or waived with stays in its history (the audit trail)."""
    before, after = _change(
        milestone,
        base_revision,
        {MilestoneStatus.DONE, MilestoneStatus.WAIVED},
        {
            "status": MilestoneStatus.PENDING.value,
            "evidence": None,
            "done_at": None,
            "done_by_id": None,
            "waiver_reason": None,
            "waived_at": None,
            "waived_by_id": None,
            "signed_off_at": None,
            "signed_off_by_id": None,
        },
    )
    record("milestone.reopened", milestone, actor, before=before, after=after)


# --- reads, in batches -------------------------------------------------------------------------------------


def _ordered(query):
    return query.order_by(Milestone.due_on, MilestoneTemplate.position, Milestone.id)


def milestones_of(trainee_ids: Iterable[int]) -> dict[int, list[Milestone]]:
    """Each trainee's milestones, soonest due first, with their templates and people, in one query per
    relation (a constant number whatever the count of trainees)."""
    ids = list(trainee_ids)
    found: dict[int, list[Milestone]] = {i: [] for i in ids}
    if not ids:
        return found
    query = _ordered(
        select(Milestone)
        .join(Milestone.template)
        .where(Milestone.trainee_id.in_(ids))
        .options(
            contains_eager(Milestone.template),
            selectinload(Milestone.done_by),
            selectinload(Milestone.waived_by),
            selectinload(Milestone.signed_off_by),
        )
    )
    for milestone in db.session.scalars(query).unique():
        found[milestone.trainee_id].append(milestone)
    return found


def overdue_counts(trainee_ids: Iterable[int], today: date | None = None) -> dict[int, int]:
    """How many overdue milestones each trainee has, in one query."""
    ids = list(trainee_ids)
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    today = today or programme_today()
    rows = db.session.execute(
        select(Milestone.trainee_id, func.count(Milestone.id))
        .where(
            Milestone.trainee_id.in_(ids),
            Milestone.status == MilestoneStatus.PENDING.value,
            Milestone.due_on < today,
        )
        .group_by(Milestone.trainee_id)
    )
    counts.update(dict(rows.all()))
    return counts


def overdue_milestones(
    trainee_ids: Iterable[int] | None = None, today: date | None = None, limit: int | None = None
) -> list[Milestone]:
    """Overdue milestones, the longest overdue first: of `trainee_ids`, or of everyone when None."""
    today = today or programme_today()
    query = (
        select(Milestone)
        .join(Milestone.template)
        .where(Milestone.status == MilestoneStatus.PENDING.value, Milestone.due_on < today)
        .options(contains_eager(Milestone.template), selectinload(Milestone.trainee))
    )
    if trainee_ids is not None:
        ids = list(trainee_ids)
        if not ids:
            return []
        query = query.where(Milestone.trainee_id.in_(ids))
    query = _ordered(query)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query).unique())


def count_overdue(today: date | None = None) -> int:
    today = today or programme_today()
    return db.session.scalar(
        select(func.count(Milestone.id)).where(
            Milestone.status == MilestoneStatus.PENDING.value, Milestone.due_on < today
        )
    )
