"""Lending forms: a repayment, a reversal, a bank statement to import. The services check every rule again."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Regexp, ValidationError
from wtforms.widgets import HiddenInput

from workbench.finance.errors import NumberError
from workbench.finance.money import CENT, MAX_NUMBER_TEXT, read_typed_number
from workbench.lending.repayments import MAX_PAYMENT, MAX_REASON, MAX_REFERENCE
from workbench.web.formatting import money
from workbench.web.guards import MAX_ID


def read_payment_amount(text: str, decimal_symbol: str = ".") -> Decimal:
    """An amount as typed, in the person's notation; ValueError with the translated reason when refused."""
    text = (text or "").strip()
    if not text:
        raise ValueError(_("Enter the amount received."))
    try:
        amount = read_typed_number(text, decimal_symbol)
    except NumberError as error:
        if error.code == "too_long":
            raise ValueError(_("This is too long to be an amount.")) from None
        if error.code == "too_large":
            raise ValueError(_("At most %(amount)s in one repayment.", amount=money(MAX_PAYMENT))) from None
        if error.code == "exponent":
            raise ValueError(_("Write the amount in full, with digits only (for example 1250).")) from None
        raise ValueError(_("Enter an amount in euros, with digits only (for example 150).")) from None
    if amount <= 0:
        raise ValueError(_("A repayment is above zero."))
    if amount > MAX_PAYMENT:
        raise ValueError(_("At most %(amount)s in one repayment.", amount=money(MAX_PAYMENT)))
    if amount != amount.quantize(CENT):
        raise ValueError(_("At most two decimals: euros and cents."))
    return amount.quantize(CENT)


class AmountField(StringField):
    """Money typed by a person: read with their locale's decimal sign, kept as typed when refused."""

    def process_formdata(self, valuelist: list) -> None:
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if not valuelist:
            return
        raw = valuelist[0] if isinstance(valuelist[0], str) else ""
        try:
            self.data = read_payment_amount(raw[: MAX_NUMBER_TEXT + 1], get_decimal_symbol(get_locale()))
        except ValueError as error:
            self.data = None
            raise ValueError(str(error)) from None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


class RepaymentForm(FlaskForm):
    paid_on = DateField(_l("Day the money arrived"), validators=[InputRequired()])
    amount = AmountField(_l("Amount received (EUR)"), validators=[InputRequired()])
    reference = StringField(
        _l("Bank reference"),
        validators=[Length(max=MAX_REFERENCE)],
        description=_l("The reference or description of the bank movement, as the statement shows it."),
    )
    confirm_duplicate = BooleanField(_l("Yes, this is a second payment with the same details"))
    #: A token of this form: sent twice, it posts one repayment.
    idempotency_key = HiddenField(
        validators=[
            InputRequired(),
            Regexp(
                r"^[0-9a-f]{32}$",
                message=_l("This form is out of date: check what you typed and send it again."),
            ),
        ]
    )


class ReversalForm(FlaskForm):
    payment_id = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)]
    )
    reason = TextAreaField(
        _l("Why is it reversed?"),
        validators=[InputRequired(message=_l("Say why this payment is reversed.")), Length(max=MAX_REASON)],
        render_kw={"rows": 2},
    )


class BankImportForm(FlaskForm):
    file = FileField(
        _l("Bank statement (CSV)"),
        validators=[FileRequired(message=_l("Choose the CSV file saved from the bank."))],
        description=_l(
            "Columns: date, amount, reference or description; separated by ; or , with decimal commas or "
            "points. Nothing is posted before you check the preview."
        ),
    )

    def validate_file(self, field) -> None:
        if field.data is None or isinstance(field.data, str):
            raise ValidationError(_("Choose the CSV file saved from the bank."))
