"""The audit log's filters: a GET form read from the query string. A value that is not valid (a day that is
not a day, a person nobody is, an object number that is no number) is said next to its field; what was typed
in the other fields stays.

The person is found by what a manager knows of them: part of the name or of the e-mail (a programme has
hundreds of people; a list to scroll would not do), or "#12" for the person with id 12.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from workbench.audit.labels import ACTION_LABELS, action_kind, kind_label
from workbench.audit.log import ABOUT, BY, EITHER, LogFilters, known_kinds
from workbench.auth.models import User
from workbench.extensions import db
from workbench.timeutil import programme_zone
from workbench.web.forms import collation_key
from workbench.web.guards import MAX_ID

#: Days a period may start or end on: the programme's records lie well inside them.
FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2199, 12, 31)
#: The most people a search may match; more, and the manager is asked for more of the name.
MAX_MATCHES = 20
#: The query arguments of the filters (the pages' links and the exports carry them on).
FILTER_ARGS = ("person", "scope", "kind", "object_id", "action", "since", "until")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only reads

    person = StringField(
        _l("Person"),
        description=_l("Part of a name or an e-mail address, or # and a number for a person's id (#12)."),
        validators=[Optional(), Length(max=120)],
    )
    scope = SelectField(
        _l("Their events"),
        choices=[
            SelectChoice(BY, _l("Done by them")),
            SelectChoice(ABOUT, _l("About them (their account)")),
            SelectChoice(EITHER, _l("Done by them or about them")),
        ],
        default=BY,
    )
    kind = SelectField(_l("Object"), validators=[Optional()])
    object_id = StringField(_l("Object number"), validators=[Optional(), Length(max=12)])
    action = SelectField(_l("What happened"), validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

    #: The people the person field names (after validate()).
    matches: list[User]

    def validate_person(self, field: StringField) -> None:
        self.matches = []
        text = (field.data or "").strip()
        if not text:
            return
        number = text.removeprefix("#").strip()
        if number.isascii() and number.isdigit():
            in_range = len(number) <= len(str(MAX_ID)) and int(number) <= MAX_ID
            person = db.session.get(User, int(number)) if in_range else None
            if person is None:
                raise ValidationError(_("Nobody has the id %(number)s.", number=number))
            self.matches = [person]
            return
        needle = text.lower()
        query = (
            select(User)
            .where(
                or_(
                    func.lower(User.full_name).contains(needle, autoescape=True),
                    func.lower(User.email).contains(needle, autoescape=True),
                )
            )
            .order_by(User.full_name, User.id)
            .limit(MAX_MATCHES + 1)
        )
        found = list(db.session.scalars(query))
        if not found:
            raise ValidationError(_("Nobody's name or e-mail address contains this."))
        if len(found) > MAX_MATCHES:
            raise ValidationError(
                _("More than %(count)d people match: type more of the name or e-mail.", count=MAX_MATCHES)
            )
        self.matches = found

    def validate_object_id(self, field: StringField) -> None:
        text = (field.data or "").strip().removeprefix("#")
        if not text:
            return
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
            raise ValidationError(_("Write the object's number in digits, such as 12."))
        if not self.kind.data:
            raise ValidationError(_("Choose what kind of object this number is."))

    def validate_since(self, field: DateField) -> None:
        _check_day(field.data)

    def validate_until(self, field: DateField) -> None:
        _check_day(field.data)
        start = self.since.data
        if field.data and start and not self.since.errors and field.data < start:
            raise ValidationError(_("The end of the period comes before its start."))

    def filters(self) -> LogFilters:
        """The filters in force (validate() first, and only without errors)."""
        object_id = (self.object_id.data or "").strip().removeprefix("#")
        return LogFilters(
            people=tuple(person.id for person in self.matches),
            scope=self.scope.data or BY,
            object_type=self.kind.data or None,
            object_id=int(object_id) if object_id else None,
            action=self.action.data or None,
            since=_start_of(self.since.data) if self.since.data else None,
            until=_start_of(self.until.data + timedelta(days=1)) if self.until.data else None,
        )


def _start_of(day: date) -> datetime:
    """The first moment of `day` in the programme's zone, in UTC (a day lasts 23 or 25 hours when the
    clocks change)."""
    return datetime.combine(day, time.min, tzinfo=programme_zone()).astimezone(UTC)


def _check_day(day: date | None) -> None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        first, last = FIRST_DAY.isoformat(), LAST_DAY.isoformat()
        raise ValidationError(_("Choose a day from %(first)s to %(last)s.", first=first, last=last))


def action_choices() -> dict[str | None, list[SelectChoice]]:
    """The labelled actions grouped by the kind of object they are about, groups and actions by name."""
    groups: dict[str, list[SelectChoice]] = {}
    for action, label in ACTION_LABELS.items():
        groups.setdefault(kind_label(action_kind(action)), []).append(SelectChoice(action, str(label)))
    ordered: dict[str | None, list[SelectChoice]] = {None: [SelectChoice("", _("Anything"))]}
    for name in sorted(groups, key=collation_key):
        ordered[name] = sorted(groups[name], key=lambda choice: collation_key(choice.label))
    return ordered


def kind_choices() -> list[SelectChoice]:
    named = sorted(
        ((kind, kind_label(kind)) for kind in known_kinds()), key=lambda pair: collation_key(pair[1])
    )
    return [SelectChoice("", _("Any object")), *(SelectChoice(kind, label) for kind, label in named)]


def audit_filter_form(args) -> AuditFilterForm:
    """The form read from `args` (the query string), validated."""
    form = AuditFilterForm(formdata=args)
    form.matches = []
    form.kind.choices = kind_choices()
    form.action.choices = action_choices()
    form.validate()
    return form
