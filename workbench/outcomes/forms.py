"""The funnel's filters: a GET form, read from the query string. A value that is not valid (a cohort that
does not exist, a day that is not a day) is said next to its field and left out of the counts."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from workbench.auth.profile import GENDERS
from workbench.outcomes.funnel import NOT_GIVEN, Filters
from workbench.programme.models import Cohort
from workbench.web.forms import collation_key
from workbench.web.templating import country_name

#: Days a period may start or end on: the programme's records lie well inside them.
FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2199, 12, 31)


class FunnelFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only reads

    cohort = SelectField(_l("Cohort"), validators=[Optional()])
    enrolled_from = DateField(_l("Enrolled from"), validators=[Optional()])
    enrolled_to = DateField(_l("Enrolled until"), validators=[Optional()])
    gender = SelectField(_l("Gender"), validators=[Optional()])
    country = SelectField(_l("Country of origin"), validators=[Optional()])

    def validate_enrolled_from(self, field: DateField) -> None:
        _check_day(field.data)

    def validate_enrolled_to(self, field: DateField) -> None:
        _check_day(field.data)
        start = self.enrolled_from.data
        if field.data and start and not self.enrolled_from.errors and field.data < start:
            raise ValidationError(_("The end of the period comes before its start."))

    def filters(self) -> Filters:
        """The filters with a valid value (validate() first)."""

        def valid(field) -> object:
            return None if field.errors or field.data in (None, "") else field.data

        cohort = valid(self.cohort)
        return Filters(
            cohort_id=int(cohort) if cohort is not None else None,
            enrolled_from=valid(self.enrolled_from),
            enrolled_to=valid(self.enrolled_to),
            gender=valid(self.gender),
            country=valid(self.country),
        )


def _check_day(day: date | None) -> None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        first, last = FIRST_DAY.isoformat(), LAST_DAY.isoformat()
        raise ValidationError(_("Choose a day from %(first)s to %(last)s.", first=first, last=last))


def filter_form(args, cohorts: list[Cohort], countries: list[str]) -> FunnelFilterForm:
    """The form read from `args` (the query string), with the cohorts and the countries of origin of the
    people enrolled to choose from; validated."""
    form = FunnelFilterForm(formdata=args)
    form.cohort.choices = [
        SelectChoice("", _("All cohorts")),
        *(SelectChoice(str(cohort.id), cohort.name) for cohort in cohorts),
    ]
    form.gender.choices = [
        SelectChoice("", _("Any")),
        *(SelectChoice(code, label) for code, label in GENDERS.items()),
        SelectChoice(NOT_GIVEN, _("Not given")),
    ]
    named = sorted(
        ((code, country_name(code)) for code in countries), key=lambda pair: collation_key(pair[1])
    )
    form.country.choices = [
        SelectChoice("", _("Any")),
        *(SelectChoice(code, name) for code, name in named),
        SelectChoice(NOT_GIVEN, _("Not recorded")),
    ]
    form.validate()
    return form
