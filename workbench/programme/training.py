"""A cohort's training: its modules, the attendance register, and when the training counts as completed.

The rules, as managers read them on the pages:

- The cohort's training hours are the sum of its modules' hours. A trainee completes the training when the
  hours recorded for them reach the cohort's completion share of that total (80 % unless the cohort says
  otherwise, 1..100). The register then sets ``Enrolment.training_completed_at``, audited as
  "enrolment.training_completed" with the hours it rests on: that column stays the one fact the journey and
  the funnel read.
- Completion is never taken back by itself. Correcting an attendance below the share, adding a module or
  raising the share leaves it as it is; a manager withdraws it explicitly ("enrolment.training_completion_
  withdrawn", audited), which is refused while the recorded hours still reach the share (the register would
  only set it again). Lowering the share, shortening or removing a module completes whoever then reaches it.
- A cohort without modules keeps the manager's "mark completed" button; once it has modules only the
  register completes the training.
- Modules are added at any time. Their title, hours and date are edited at any time (compare-and-set on the
  module's revision), except that the hours cannot go below the most hours anyone attended of it. A module is
  removed only while no attendance is recorded for it: a recorded attendance is corrected, never removed.
- The register of a module is saved at once: every cell is checked first and nothing is saved if one is
  refused (the reason at its cell); an empty cell is "not recorded yet", and a cell already recorded cannot be
  emptied (0 records an absence). A cell changed by someone else since the page was loaded is not saved over:
  nothing of the register is saved, the cell shows who recorded what meanwhile, and the page then carries
  that newer revision, so saving again replaces it.

Every change to a cohort's training holds the cohort's row until the request commits, so registers, module
edits, share changes and withdrawals of one cohort are decided one after the other, each seeing what the one
before committed (two registers saved at once cannot both miss that together they complete a trainee). One row
per (module, enrolment) is the database's rule behind the lock. Services flush; the request commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance.errors import NumberError
from workbench.finance.money import read_typed_number
from workbench.programme.locking import hold_row
from workbench.programme.models import Cohort, Enrolment
from workbench.programme.services import (
    check_cohort_details,
    complete_training,
    normalise_partners,
)
from workbench.programme.training_models import Attendance, TrainingModule
from workbench.timeutil import utcnow
from workbench.web.formatting import number, percent

#: The longest module a cohort may have (a bound on what is typed; a module is a day or a few, not a course).
MAX_MODULE_HOURS = Decimal("200")
#: Hours are whole or have one decimal (2.5 is two and a half hours).
HOUR_QUANTUM = Decimal("0.1")
MAX_TITLE = 160
#: The longest list of partners, in characters.
MAX_PARTNERS = 1000
ZERO_HOURS = Decimal("0.0")


# --- reading hours as typed ---------------------------------------------------------------------------------


def read_hours(text: str, decimal_symbol: str, *, most: Decimal = MAX_MODULE_HOURS) -> Decimal:
    """Hours as a person types them ("2,5", "3", Arabic-Indic digits): whole or with one decimal, from 0 to
    `most`; ValueError with the translated reason when refused."""
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise ValueError(_("Enter the hours."))
    try:
        hours = read_typed_number(text, decimal_symbol)
    except NumberError as error:
        if error.code == "too_large":
            raise ValueError(_("At most %(hours)s hours.", hours=number(most))) from None
        raise ValueError(
            _("Enter the hours with digits only (for example %(example)s).", example=number(Decimal("2.5")))
        ) from None
    return check_hours(hours, most)


def check_hours(hours: Decimal, most: Decimal) -> Decimal:
    """Hours from 0 to `most`, whole or with one decimal, as stored (one decimal place)."""
    if hours < 0:
        raise ValueError(_("Hours cannot be below zero."))
    if hours != hours.quantize(HOUR_QUANTUM):
        raise ValueError(
            _("At most one decimal: %(example)s is two and a half hours.", example=number(Decimal("2.5")))
        )
    if hours > most:
        raise ValueError(_("At most %(hours)s hours.", hours=number(most)))
    return abs(hours.quantize(HOUR_QUANTUM))


# --- what a trainee attended --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleAttendance:
    module: TrainingModule
    #: Hours recorded for the trainee; None: not recorded yet.
    hours: Decimal | None


@dataclass(frozen=True)
class TrainingProgress:
    """A trainee's attendance of their cohort's modules, and what completing the training takes."""

    modules: list[ModuleAttendance]
    #: The cohort's completion share, in percent.
    share: int

    @property
    def total_hours(self) -> Decimal:
        return sum((m.module.hours for m in self.modules), ZERO_HOURS)

    @property
    def attended_hours(self) -> Decimal:
        return sum((m.hours for m in self.modules if m.hours is not None), ZERO_HOURS)

    @property
    def needed_hours(self) -> Decimal:
        """The hours to attend to complete the training: the share of the total, exactly."""
        return (self.total_hours * self.share / 100).normalize()

    @property
    def attended_fraction(self) -> Decimal | None:
        """Hours attended over the total (for a percentage); None without modules."""
        if not self.total_hours:
            return None
        return self.attended_hours / self.total_hours

    @property
    def reached(self) -> bool:
        """The recorded hours reach the share (compared exactly, without rounding)."""
        total = self.total_hours
        return bool(total) and self.attended_hours * 100 >= total * self.share

    def basis(self) -> dict[str, str | int]:
        """What a completion rests on, for its audit event."""
        return {
            "attended_hours": str(self.attended_hours),
            "total_hours": str(self.total_hours),
            "completion_share": self.share,
        }


def modules_of(cohort: Cohort) -> list[TrainingModule]:
    """The cohort's modules in the order they are held."""
    return list(
        db.session.scalars(
            select(TrainingModule)
            .where(TrainingModule.cohort_id == cohort.id)
            .order_by(TrainingModule.held_on, TrainingModule.id)
        )
    )


def has_modules(cohort: Cohort) -> bool:
    query = select(TrainingModule.id).where(TrainingModule.cohort_id == cohort.id)
    return db.session.scalar(query) is not None


def _recorded(cohort_id: int, enrolment_ids: Iterable[int] | None = None) -> dict[tuple[int, int], Decimal]:
    """(enrolment id, module id) -> hours recorded, for a cohort (one query)."""
    query = (
        select(Attendance.enrolment_id, Attendance.module_id, Attendance.hours)
        .join(TrainingModule, TrainingModule.id == Attendance.module_id)
        .where(TrainingModule.cohort_id == cohort_id)
        .execution_options(populate_existing=True)
    )
    if enrolment_ids is not None:
        query = query.where(Attendance.enrolment_id.in_(list(enrolment_ids)))
    return {(enrolment_id, module_id): hours for enrolment_id, module_id, hours in db.session.execute(query)}


def cohort_progress(
    cohort: Cohort, enrolment_ids: Iterable[int] | None = None
) -> dict[int, TrainingProgress]:
    """Each enrolment's progress in the cohort (all of them, or those named), in two queries."""
    modules = modules_of(cohort)
    ids = (
        list(enrolment_ids)
        if enrolment_ids is not None
        else list(db.session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)))
    )
    recorded = _recorded(cohort.id, ids)
    return {
        enrolment_id: TrainingProgress(
            [ModuleAttendance(module, recorded.get((enrolment_id, module.id))) for module in modules],
            cohort.completion_share,
        )
        for enrolment_id in ids
    }


def recorded_counts(cohort: Cohort) -> dict[int, int]:
    """Module id -> how many trainees have attendance recorded for it (modules without any are left out)."""
    return dict(
        db.session.execute(
            select(Attendance.module_id, func.count(Attendance.id))
            .join(TrainingModule, TrainingModule.id == Attendance.module_id)
            .where(TrainingModule.cohort_id == cohort.id)
            .group_by(Attendance.module_id)
        ).all()
    )


def progress_of(enrolment: Enrolment) -> TrainingProgress:
    return cohort_progress(enrolment.cohort, [enrolment.id])[enrolment.id]


def can_mark_by_hand(cohort: Cohort) -> bool:
    """Only a cohort without modules has its completion marked by a manager's button."""
    return not has_modules(cohort)


# --- the cohort's details and completion share --------------------------------------------------------------


@dataclass(frozen=True)
class CohortDetails:
    city: str | None
    starts_on: date | None
    ends_on: date | None
    partners: str | None
    completion_share: int


def _stale_cohort() -> DomainError:
    return DomainError(
        {"": _("Another manager changed this cohort since you opened it. Here it is as it is now.")}
    )


def change_cohort(cohort: Cohort, details: CohortDetails, *, seen_revision: int, actor: User) -> bool:
    """Store the cohort's details unless another manager changed them since the page was loaded; whether
    anything changed. A new completion share applies at once: whoever now reaches it completes the training
    (nobody's completion is taken back)."""
    check_cohort_details(details.starts_on, details.ends_on, details.completion_share)
    if details.partners and len(details.partners) > MAX_PARTNERS:
        raise DomainError({"partners": _("At most %(n)d characters.", n=MAX_PARTNERS)})
    values = {
        "city": (details.city or "").strip() or None,
        "starts_on": details.starts_on,
        "ends_on": details.ends_on,
        "partners": normalise_partners(details.partners),
        "completion_share": details.completion_share,
    }
    hold_row(Cohort, cohort.id)
    db.session.refresh(cohort)
    before = {name: getattr(cohort, name) for name in values}
    if before == values:
        return False
    if seen_revision != cohort.revision:
        raise _stale_cohort()
    db.session.execute(
        update(Cohort).where(Cohort.id == cohort.id).values(**values, revision=cohort.revision + 1),
        execution_options={"synchronize_session": False},
    )
    db.session.refresh(cohort)
    changed = [name for name in values if before[name] != values[name]]
    record(
        "cohort.changed",
        cohort,
        actor,
        before={name: _plain(before[name]) for name in changed},
        after={name: _plain(values[name]) for name in changed} | {"revision": cohort.revision},
    )
    if "completion_share" in changed:
        settle_cohort(cohort, actor)
    return True


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


# --- modules ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleDetails:
    title: str
    hours: Decimal
    held_on: date

    def checked(self) -> ModuleDetails:
        title = " ".join(self.title.split())
        errors: dict[str, str] = {}
        if not title:
            errors["title"] = _("Give the module a title.")
        elif len(title) > MAX_TITLE:
            errors["title"] = _("At most %(n)d characters.", n=MAX_TITLE)
        try:
            hours = check_hours(self.hours, MAX_MODULE_HOURS)
            if not hours:
                raise ValueError(_("A module lasts more than 0 hours."))
        except ValueError as error:
            errors["hours"] = str(error)
        if errors:
            raise DomainError(errors)
        return ModuleDetails(title, hours, self.held_on)


def _title_taken(title: str) -> DomainError:
    return DomainError({"title": _("This cohort already has a module called %(title)s.", title=title)})


def _module_named(cohort: Cohort, title: str) -> TrainingModule | None:
    return db.session.scalars(
        select(TrainingModule)
        .where(TrainingModule.cohort_id == cohort.id, TrainingModule.title == title)
        .execution_options(populate_existing=True)
    ).one_or_none()


def _facts(module: TrainingModule) -> dict[str, str]:
    return {"title": module.title, "hours": str(module.hours), "held_on": module.held_on.isoformat()}


def add_module(cohort: Cohort, details: ModuleDetails, actor: User | None) -> TrainingModule:
    """A new module of the cohort. The same module again (a double click: same title, hours and date) adds
    nothing and comes back; another module with the same title is refused."""
    details = details.checked()
    hold_row(Cohort, cohort.id)
    existing = _module_named(cohort, details.title)
    if existing is not None:
        if (existing.hours, existing.held_on) == (details.hours, details.held_on):
            return existing
        raise _title_taken(details.title)
    module = TrainingModule(
        cohort_id=cohort.id, title=details.title, hours=details.hours, held_on=details.held_on, revision=1
    )
    try:
        with db.session.begin_nested():  # behind the lock only a programming error could meet the key
            db.session.add(module)
    except IntegrityError as error:
        raise _title_taken(details.title) from error
    record("training_module.added", module, actor, after={"cohort_id": cohort.id, **_facts(module)})
    return module


def _stale_module() -> DomainError:
    return DomainError(
        {"": _("Another manager changed this module since you opened it. Here it is as it is now.")}
    )


def most_attended(module: TrainingModule) -> Decimal | None:
    """The most hours anyone attended of the module (None: no attendance recorded)."""
    return db.session.scalar(select(func.max(Attendance.hours)).where(Attendance.module_id == module.id))


def change_module(module: TrainingModule, details: ModuleDetails, *, seen_revision: int, actor: User) -> bool:
    """Store a module's new title, hours or date unless it changed since the page was loaded; whether anything
    changed. Its hours cannot go below the most hours anyone attended of it; shorter hours complete whoever
    then reaches the share."""
    details = details.checked()
    cohort = module.cohort
    hold_row(Cohort, cohort.id)
    if not _still_there(module):
        raise _removed_meanwhile()
    before = _facts(module)
    if (module.title, module.hours, module.held_on) == (details.title, details.hours, details.held_on):
        return False
    if seen_revision != module.revision:
        raise _stale_module()
    if details.title != module.title and _module_named(cohort, details.title) is not None:
        raise _title_taken(details.title)
    most = most_attended(module)
    if most is not None and details.hours < most:
        raise DomainError(
            {
                "hours": _(
                    "A trainee attended %(hours)s hours of this module: it cannot be shorter. Correct the "
                    "register first if that was a mistake.",
                    hours=number(most),
                )
            }
        )
    shorter = details.hours < module.hours
    module.title, module.hours, module.held_on = details.title, details.hours, details.held_on
    module.revision += 1
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise _title_taken(details.title) from error
    after = _facts(module)
    changed = [name for name in after if before[name] != after[name]]
    record(
        "training_module.changed",
        module,
        actor,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed} | {"revision": module.revision},
    )
    if shorter:
        settle_cohort(cohort, actor)
    return True


def _still_there(module: TrainingModule) -> bool:
    """Reload the module as committed now; False if it was removed meanwhile."""
    found = db.session.scalars(
        select(TrainingModule).where(TrainingModule.id == module.id).execution_options(populate_existing=True)
    ).one_or_none()
    return found is not None


def _removed_meanwhile() -> DomainError:
    return DomainError({"": _("This module was removed a moment ago by another manager.")})


def remove_module(module: TrainingModule, actor: User) -> bool:
    """Remove a module without recorded attendance; False if it was already removed (a double click).
    Removing a module lowers the total: whoever then reaches the share completes the training."""
    cohort = module.cohort
    hold_row(Cohort, cohort.id)
    if not _still_there(module):
        return False
    recorded = db.session.scalar(select(func.count(Attendance.id)).where(Attendance.module_id == module.id))
    if recorded:
        raise DomainError(
            {
                "": _(
                    "Attendance is recorded for %(title)s: a module with a register cannot be removed. "
                    "Correct its hours or title instead.",
                    title=module.title,
                )
            }
        )
    record("training_module.removed", module, actor, before={"cohort_id": cohort.id, **_facts(module)})
    db.session.delete(module)
    db.session.flush()
    settle_cohort(cohort, actor)
    return True


# --- the register -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One trainee's cell of a module's register, as posted."""

    enrolment_id: int
    #: The hours typed; None: left empty.
    hours: Decimal | None
    #: The revision of the attendance the page showed (0: none recorded).
    seen: int


class StaleRegister(Exception):
    """Cells of the register were recorded by someone else since the page was loaded; nothing was saved."""

    def __init__(self, theirs: dict[int, Attendance]) -> None:
        super().__init__(f"{len(theirs)} cells changed meanwhile")
        self.theirs = theirs


@dataclass
class RegisterSaved:
    recorded: int = 0
    corrected: int = 0
    #: Enrolments whose training this save completed.
    completed: list[Enrolment] = field(default_factory=list)


def cell_name(enrolment_id: int) -> str:
    """The form field of a trainee's cell (also the key of its error)."""
    return f"hours-{enrolment_id}"


def register_of(module: TrainingModule) -> dict[int, Attendance]:
    """The module's recorded attendance, by enrolment id, as committed now."""
    return {
        row.enrolment_id: row
        for row in db.session.scalars(
            select(Attendance)
            .where(Attendance.module_id == module.id)
            .options(selectinload(Attendance.recorded_by))
            .execution_options(populate_existing=True)
        )
    }


def enrolments_in(cohort: Cohort) -> list[Enrolment]:
    """The cohort's trainees, by name."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort.id)
            .options(selectinload(Enrolment.user))
            .join(User, User.id == Enrolment.user_id)
            .order_by(User.full_name, Enrolment.id)
        )
    )


def save_register(module: TrainingModule, cells: list[Cell], actor: User) -> RegisterSaved:
    """Record a module's register at once (see the rules above). DomainError with the reasons at the cells
    (``hours-<enrolment id>``) when one is refused; StaleRegister when cells changed meanwhile. Nothing is
    written in either case."""
    cohort = module.cohort
    hold_row(Cohort, cohort.id)
    if not _still_there(module):
        raise _removed_meanwhile()
    enrolled = {
        enrolment_id
        for enrolment_id in db.session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id))
    }
    stored = register_of(module)
    errors: dict[str, str] = {}
    wanted: dict[int, tuple[Decimal, int]] = {}
    for cell in cells:
        if cell.enrolment_id not in enrolled:
            continue  # a trainee of another cohort, or a made-up id: not this register's cell
        if cell.hours is None:
            if cell.enrolment_id in stored:
                errors[cell_name(cell.enrolment_id)] = _(
                    "A recorded attendance is corrected, not emptied: enter 0 if the trainee was absent."
                )
            continue
        try:
            wanted[cell.enrolment_id] = (check_hours(cell.hours, module.hours), cell.seen)
        except ValueError as error:
            errors[cell_name(cell.enrolment_id)] = (
                _("At most the module's %(hours)s hours.", hours=number(module.hours))
                if cell.hours > module.hours
                else str(error)
            )
    if errors:
        raise DomainError(errors)
    saved = RegisterSaved()
    theirs: dict[int, Attendance] = {}
    touched: list[int] = []
    for enrolment_id, (hours, seen) in sorted(wanted.items()):
        row = stored.get(enrolment_id)
        if row is None:
            if _insert(module, enrolment_id, hours, actor):
                saved.recorded += 1
                touched.append(enrolment_id)
                continue
            row = register_of(module)[enrolment_id]  # behind the lock only a programming error gets here
        if row.hours == hours:
            continue
        if seen != row.revision or not _update(row, hours, actor):
            theirs[enrolment_id] = row
            continue
        saved.corrected += 1
        touched.append(enrolment_id)
    if theirs:
        raise StaleRegister(theirs)
    saved.completed = settle(cohort, touched, actor)
    return saved


def _insert(module: TrainingModule, enrolment_id: int, hours: Decimal, actor: User) -> bool:
    """The trainee's first attendance of the module, unless one was stored meanwhile (the database skips the
    row without an error that would end the transaction)."""
    insert = sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else postgresql_insert
    moment = utcnow()
    inserted = db.session.execute(
        insert(Attendance)
        .values(
            module_id=module.id,
            enrolment_id=enrolment_id,
            hours=hours,
            revision=1,
            recorded_by_id=actor.id,
            created_at=moment,
            updated_at=moment,
        )
        .on_conflict_do_nothing(index_elements=["module_id", "enrolment_id"])
        .returning(Attendance.id)
    ).scalar_one_or_none()
    if inserted is None:
        return False
    row = db.session.get(Attendance, inserted)
    assert row is not None
    record(
        "attendance.recorded",
        row,
        actor,
        after={"module_id": module.id, "enrolment_id": enrolment_id, "hours": str(hours)},
    )
    return True


def _update(row: Attendance, hours: Decimal, actor: User) -> bool:
    """Write the hours only if the stored revision is still the one they were judged against."""
    moment = utcnow()
    result = db.session.execute(
        update(Attendance)
        .where(Attendance.id == row.id, Attendance.revision == row.revision)
        .values(hours=hours, revision=Attendance.revision + 1, recorded_by_id=actor.id, updated_at=moment),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        return False
    before = row.hours
    for name, value in (
        ("hours", hours),
        ("revision", row.revision + 1),
        ("recorded_by_id", actor.id),
        ("updated_at", moment),
    ):
        set_committed_value(row, name, value)
    record(
        "attendance.corrected",
        row,
        actor,
        before={"hours": str(before)},
        after={"module_id": row.module_id, "enrolment_id": row.enrolment_id, "hours": str(hours)},
    )
    return True


# --- completion ---------------------------------------------------------------------------------------------


def settle(cohort: Cohort, enrolment_ids: Iterable[int], actor: User | None) -> list[Enrolment]:
    """Complete the training of the named trainees whose recorded hours reach the share; never takes a
    completion back. The enrolments completed now."""
    ids = sorted(set(enrolment_ids))
    if not ids:
        return []
    db.session.refresh(cohort, ["completion_share"])
    progress = cohort_progress(cohort, ids)
    completed = []
    for enrolment in db.session.scalars(
        select(Enrolment).where(Enrolment.id.in_(ids)).order_by(Enrolment.id)
    ):
        reached = progress[enrolment.id]
        if reached.reached and complete_training(enrolment, actor, basis=reached.basis()):
            completed.append(enrolment)
    return completed


def settle_cohort(cohort: Cohort, actor: User | None) -> list[Enrolment]:
    """:func:`settle` for every trainee of the cohort not completed yet."""
    waiting = db.session.scalars(
        select(Enrolment.id).where(
            Enrolment.cohort_id == cohort.id, Enrolment.training_completed_at.is_(None)
        )
    )
    return settle(cohort, list(waiting), actor)


def complete_by_hand(enrolment: Enrolment, actor: User) -> bool:
    """A manager marks the training completed: only in a cohort without modules (with modules, the register
    decides). Whether it was recorded now (False: it already was)."""
    if has_modules(enrolment.cohort):
        raise DomainError(
            {
                "": _(
                    "%(cohort)s has training modules: the training is completed through their attendance "
                    "register.",
                    cohort=enrolment.cohort.name,
                )
            }
        )
    return complete_training(enrolment, actor)


def withdraw_completion(enrolment: Enrolment, actor: User) -> bool:
    """A manager takes a completion back (a mistake, attendance corrected below the share); False if it was
    not recorded (a double click). Refused while the recorded hours still reach the share."""
    cohort = enrolment.cohort
    hold_row(Cohort, cohort.id)
    db.session.refresh(enrolment, ["training_completed_at"])
    if enrolment.training_completed_at is None:
        return False
    progress = progress_of(enrolment)
    if progress.reached:
        raise DomainError(
            {
                "": _(
                    "%(name)s attended %(attended)s of %(total)s hours, which reaches the %(share)s needed: "
                    "correct the register first.",
                    name=enrolment.user.full_name,
                    attended=number(progress.attended_hours),
                    total=number(progress.total_hours),
                    share=percent(Decimal(progress.share) / 100),
                )
            }
        )
    before = enrolment.training_completed_at
    enrolment.training_completed_at = None
    db.session.flush()
    after: dict[str, object] = {"training_completed_at": None}
    if progress.modules:
        after |= progress.basis()
    record(
        "enrolment.training_completion_withdrawn",
        enrolment,
        actor,
        before={"training_completed_at": before.isoformat()},
        after=after,
    )
    return True
