"""The forms of a loan's four-eyes decisions: proposing a write-off or a reschedule, declining a proposal.

Both proposal forms live on the loan's page beside the repayment and reversal forms, so their fields carry a
prefix ("write_off-", "reschedule-") and the decline form's reason its own id: no two fields of the page share
a name or an id. Numbers are read by the bounded parser (application_forms.NumberField).
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from workbench.finance.fields import MAX_TERM_MONTHS
from workbench.lending.application_forms import DeclineForm, NumberField, _whole
from workbench.lending.applications import REPAYMENT_METHODS
from workbench.lending.decisions import MAX_NOTE_CHARACTERS
from workbench.plans.financials import METHOD_LABELS

WRITE_OFF_PREFIX = "write_off"
RESCHEDULE_PREFIX = "reschedule"


def _reason() -> TextAreaField:
    return TextAreaField(
        _l("Why you propose it"),
        validators=[Length(max=MAX_NOTE_CHARACTERS)],
        description=_l("Needed: the officer or manager who confirms reads it. The borrower does not."),
    )


class WriteOffForm(FlaskForm):
    amount = NumberField(
        _l("Amount to write off (EUR)"),
        validators=[Optional()],
        description=_l("Leave it empty to write off all that is still owed of the amount lent."),
    )
    written_off_on = DateField(_l("Written off on"), validators=[InputRequired()])
    note = _reason()


class RescheduleForm(FlaskForm):
    annual_rate = NumberField(_l("New yearly interest rate (%)"), validators=[InputRequired()])
    term_months = _whole(_l("Months to repay what is still owed"), 1, MAX_TERM_MONTHS)
    grace_months = _whole(_l("First months paying interest only"), 0, MAX_TERM_MONTHS - 1)
    method = SelectField(
        _l("Installments"), choices=[SelectChoice(m, METHOD_LABELS.get(m, m)) for m in REPAYMENT_METHODS]
    )
    first_due_on = DateField(_l("First installment of the new schedule due on"), validators=[InputRequired()])
    note = _reason()

    @property
    def rate(self) -> Decimal | None:
        """The rate as a fraction (the form takes a percentage)."""
        return None if self.annual_rate.data is None else self.annual_rate.data / Decimal(100)


class LoanDeclineForm(DeclineForm):
    """The checker's decline on the loan's page, where the reversal form has a "reason" too."""

    reason = TextAreaField(
        _l("Why you decline"),
        id="decline-reason",
        validators=[InputRequired(), Length(max=MAX_NOTE_CHARACTERS)],
    )
