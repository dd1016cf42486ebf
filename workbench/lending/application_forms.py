"""Lending forms: the trainee's application, the officer's score, a proposal, a checker's decline and the
disbursement. Numbers are read by bounded parsers: an amount of 5,000 digits or a huge exponent is an error
next to the field, quickly, never a 500."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from workbench.finance.errors import NumberError
from workbench.finance.fields import MAX_TERM_MONTHS
from workbench.finance.money import MAX_NUMBER_TEXT, read_typed_number
from workbench.lending.application_models import LEGAL_FORMS
from workbench.lending.applications import (
    ACTION_LABELS,
    ACTIONS,
    LEGAL_FORM_LABELS,
    MAX_PURPOSE_CHARACTERS,
    REPAYMENT_METHODS,
)
from workbench.lending.decisions import MAX_NOTE_CHARACTERS
from workbench.lending.products import active_products
from workbench.lending.scorecard import (
    BAND_LABELS,
    BANDS,
    CRITERIA,
    JUDGED,
    MAX_COMMENT_CHARACTERS,
    MAX_RATING,
)
from workbench.lending.services import METHODS as PAYOUT_METHODS
from workbench.plans.financials import METHOD_LABELS

#: The largest id a form may name (a 32-bit key): anything larger is no row, never a database error.
MAX_ROW_ID = 2**31 - 1

PAYOUT_LABELS = {"bank_transfer": _l("Bank transfer"), "cheque": _l("Cheque")}


class NumberField(StringField):
    """A number typed in the reader's notation ("8.000,50" in Italian), read by the finance core's bounded
    parser; ``.data`` is a Decimal or None."""

    def process_formdata(self, valuelist):
        self.data = None
        self.raw = valuelist[0] if valuelist else ""
        text = (self.raw or "").strip()
        if not text:
            return
        if len(text) > MAX_NUMBER_TEXT:
            raise ValueError(_l("Write a number, for example 8000 or 8000.50."))
        try:
            self.data = read_typed_number(text, get_decimal_symbol(get_locale()))
        except NumberError as error:
            raise ValueError(_l("Write a number, for example 8000 or 8000.50.")) from error

    def _value(self) -> str:
        if getattr(self, "raw", None) is not None and self.raw != "":
            return self.raw
        if self.data is None:
            return ""
        # In the reader's notation, without grouping: "4,125" in Italian reads back as 4.125, not 4125.
        return format(self.data, "f").replace(".", get_decimal_symbol(get_locale()))


def _whole(label, low: int, high: int, *, required: bool = True) -> IntegerField:
    return IntegerField(
        label,
        validators=[InputRequired() if required else Optional(), NumberRange(min=low, max=high)],
        description=_l("From %(low)d to %(high)d months.", low=low, high=high),
    )


class ApplicationForm(FlaskForm):
    amount = NumberField(_l("Amount asked for (EUR)"), validators=[InputRequired()])
    term_months = _whole(_l("Months to repay"), 1, MAX_TERM_MONTHS)
    grace_months = _whole(_l("First months paying interest only"), 0, MAX_TERM_MONTHS - 1)
    purpose = TextAreaField(
        _l("What the money is for"), validators=[InputRequired(), Length(max=MAX_PURPOSE_CHARACTERS)]
    )
    legal_form = RadioField(
        _l("Legal form of the business"),
        choices=[SelectChoice(key, LEGAL_FORM_LABELS[key]) for key in LEGAL_FORMS],
        validators=[InputRequired()],
    )


def rating_choices() -> list[SelectChoice]:
    return [SelectChoice(str(n), str(n)) for n in range(MAX_RATING + 1)]


class ScoreForm(FlaskForm):
    """The judged criteria (a rating and a comment each), an optional other band with its reason, and the
    number of the score the form was made from (compare-and-set)."""

    seen = HiddenField()
    band = SelectField(
        _l("Band"),
        choices=[SelectChoice("", _l("As the score says"))]
        + [SelectChoice(b, BAND_LABELS[b]) for b in BANDS],
        validators=[Optional()],
    )
    override_reason = TextAreaField(
        _l("Why another band"),
        validators=[Length(max=MAX_COMMENT_CHARACTERS)],
        description=_l("Needed only when you choose another band than the score's."),
    )

    @property
    def judged(self) -> list[tuple[str, object, object, object]]:
        """(key, label, rating field, comment field) of each judged criterion."""
        return [(key, CRITERIA[key].label, self[f"{key}_rating"], self[f"{key}_comment"]) for key in JUDGED]


for _key in JUDGED:
    setattr(
        ScoreForm,
        f"{_key}_rating",
        RadioField(CRITERIA[_key].label, choices=rating_choices(), validators=[InputRequired()], coerce=str),
    )
    setattr(
        ScoreForm,
        f"{_key}_comment",
        TextAreaField(_l("Comment"), validators=[InputRequired(), Length(max=MAX_COMMENT_CHARACTERS)]),
    )


def _row_id(value: object) -> int | None:
    """A row id from a form, or None for anything that is not one (the service then says what to choose)."""
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number <= MAX_ROW_ID else None


class ProposalForm(FlaskForm):
    action = RadioField(
        _l("You propose to"),
        choices=[SelectChoice(a, ACTION_LABELS[a]) for a in ACTIONS],
        validators=[InputRequired()],
    )
    product_id = SelectField(
        _l("Loan product"),
        coerce=_row_id,
        validate_choice=False,
        validators=[Optional()],
        description=_l("Its ranges, the legal limits and the usury threshold apply to the terms."),
    )
    amount = NumberField(_l("Amount lent (EUR)"), validators=[Optional()])
    annual_rate = NumberField(_l("Yearly interest rate (%)"), validators=[Optional()])
    term_months = _whole(_l("Months to repay"), 1, MAX_TERM_MONTHS, required=False)
    grace_months = _whole(_l("First months paying interest only"), 0, MAX_TERM_MONTHS - 1, required=False)
    method = SelectField(
        _l("Installments"), choices=[SelectChoice(m, METHOD_LABELS.get(m, m)) for m in REPAYMENT_METHODS]
    )
    first_due_on = DateField(_l("First installment due on"), validators=[Optional()])
    note = TextAreaField(
        _l("Reason or note"),
        validators=[Length(max=MAX_NOTE_CHARACTERS)],
        description=_l("Needed to reject or send back: the applicant reads it."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.product_id.choices = [SelectChoice(p.id, p.name) for p in active_products()]

    def terms(self) -> dict[str, object]:
        rate = self.annual_rate.data
        return {
            "product_id": self.product_id.data,
            "amount": self.amount.data,
            "annual_rate": None if rate is None else rate / Decimal(100),
            "term_months": self.term_months.data,
            "grace_months": self.grace_months.data or 0,
            "method": self.method.data,
            "first_due_on": self.first_due_on.data,
        }


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Why you decline"), validators=[InputRequired(), Length(max=MAX_NOTE_CHARACTERS)]
    )


class DisburseForm(FlaskForm):
    disbursed_on = DateField(_l("Paid out on"), validators=[InputRequired()])
    disbursement_method = RadioField(
        _l("How the money was paid out"),
        choices=[SelectChoice(m, PAYOUT_LABELS[m]) for m in PAYOUT_METHODS],
        validators=[InputRequired()],
    )


class QueueFilterForm(FlaskForm):
    """The queue's filters, read from the query string (GET: no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
    cohort = SelectField(_l("Cohort"), validators=[Optional()])
    officer = SelectField(_l("Officer"), validators=[Optional()])
