"""Forms of a cohort's training: the cohort's details, a module, and reading a register as posted.

Hours are typed as people write them ("2,5", "3") and read in the page's notation by the finance core's
bounded reader (workbench/programme/training.py: read_hours); what was typed stays in the field when it is
refused. The services check every rule again.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, StopValidation
from wtforms.widgets import HiddenInput

from workbench.finance.money import MAX_NUMBER_TEXT
from workbench.programme.forms import CohortForm
from workbench.programme.models import Cohort
from workbench.programme.training import (
    MAX_TITLE,
    Cell,
    CohortDetails,
    ModuleDetails,
    cell_name,
    read_hours,
)
from workbench.programme.training_models import TrainingModule
from workbench.web.formatting import number
from workbench.web.guards import MAX_ID

#: A revision as posted back: a positive number of a size the database column holds.
REVISION = [InputRequired(), NumberRange(min=1, max=MAX_ID)]


def decimal_symbol() -> str:
    return get_decimal_symbol(str(get_locale()))


def show_hours(hours: Decimal | None) -> str:
    """Stored hours as a field shows them, in the page's notation ("2,5", "8")."""
    return "" if hours is None else number(hours)


class HoursField(StringField):
    """Hours typed by a person, read in their notation; the typed text stays when it is refused."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list) -> None:
        self.data = None
        if not valuelist:
            return
        raw = valuelist[0] if isinstance(valuelist[0], str) else ""
        self.data = read_hours(raw[: MAX_NUMBER_TEXT + 1], decimal_symbol())

    def pre_validate(self, form: FlaskForm) -> None:
        if self.data is None and not self.process_errors:
            raise StopValidation(_("Enter the hours."))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return show_hours(self.data)


class CohortEditForm(CohortForm):
    """The cohort's details after it is made: everything but its name, which names it in the reports."""

    name = None
    completion_share = IntegerField(
        _l("Share of the training hours needed to complete it (percent)"),
        validators=[
            InputRequired(message=_l("Enter a whole percentage from 1 to 100.")),
            NumberRange(min=1, max=100, message=_l("Enter a whole percentage from 1 to 100.")),
        ],
        description=_l(
            "A trainee completes the training once the hours recorded in the register reach it. Lowering it "
            "completes whoever then reaches it; raising it takes no completion back."
        ),
        render_kw={"inputmode": "numeric"},
    )
    #: The revision the form was opened on: a change made meanwhile by another manager is not overwritten.
    revision = IntegerField(widget=HiddenInput(), validators=REVISION)

    def details(self) -> CohortDetails:
        return CohortDetails(
            city=self.city.data,
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            partners=self.partners.data,
            completion_share=self.completion_share.data,
        )


def cohort_form_data(cohort: Cohort) -> dict[str, Any]:
    return {
        "city": cohort.city,
        "starts_on": cohort.starts_on,
        "ends_on": cohort.ends_on,
        "partners": cohort.partners,
        "completion_share": cohort.completion_share,
        "revision": cohort.revision,
    }


class ModuleForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[InputRequired(message=_l("Give the module a title.")), Length(max=MAX_TITLE)],
        description=_l('For example "Generate your business idea".'),
    )
    hours = HoursField(
        _l("Hours"), description=_l("Whole hours or with one decimal (2.5 is two and a half hours).")
    )
    held_on = DateField(_l("Day it is held"), validators=[InputRequired()])

    def details(self) -> ModuleDetails:
        return ModuleDetails(self.title.data or "", self.hours.data, self.held_on.data)


class EditModuleForm(ModuleForm):
    #: The revision the form was opened on: a change made meanwhile by another manager is not overwritten.
    revision = IntegerField(widget=HiddenInput(), validators=REVISION)


def module_form_data(module: TrainingModule) -> dict[str, Any]:
    return {
        "title": module.title,
        "hours": module.hours,
        "held_on": module.held_on,
        "revision": module.revision,
    }


# --- the register -------------------------------------------------------------------------------------------


def revision_name(enrolment_id: int) -> str:
    return f"revision-{enrolment_id}"


def read_register(
    form: Mapping[str, Any], enrolment_ids: list[int], most: Decimal
) -> tuple[list[Cell], dict[str, str]]:
    """The register's cells as posted, for the cohort's trainees only: (cells, {cell name: reason}). A cell
    not posted is no part of the save; an empty one is left empty (refused if already recorded). A revision
    that is not a plain number is one no row has: the cell is reported as changed meanwhile if it was."""
    cells: list[Cell] = []
    errors: dict[str, str] = {}
    symbol = decimal_symbol()
    for enrolment_id in enrolment_ids:
        if cell_name(enrolment_id) not in form:
            continue  # not on the page that was sent (enrolled since it was loaded)
        typed = form.get(cell_name(enrolment_id), "")
        typed = typed.strip() if isinstance(typed, str) else ""
        seen_text = form.get(revision_name(enrolment_id), "")
        seen_text = seen_text.strip() if isinstance(seen_text, str) else ""
        if not seen_text:
            seen = 0
        elif seen_text.isascii() and seen_text.isdigit() and len(seen_text) <= len(str(MAX_ID)):
            seen = int(seen_text)
        else:
            seen = -1
        if not typed:
            cells.append(Cell(enrolment_id, None, seen))
            continue
        try:
            hours = read_hours(typed[: MAX_NUMBER_TEXT + 1], symbol, most=most)
        except ValueError as error:
            errors[cell_name(enrolment_id)] = str(error)
            continue
        cells.append(Cell(enrolment_id, hours, seen))
    return cells, errors
