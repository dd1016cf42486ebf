"""Forms of the manager's lending settings: loan products, the dated microcredit limits, each quarter's TEGM.

Amounts and rates are typed as people write them ("25.000", "7,5") and read by the finance core's bounded
reader (workbench.finance.money.read_typed_number) in the page's notation; what was typed stays in the field
when it is refused. Rates are typed as percentages and handed to the services as fractions.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import HiddenInput

from workbench.finance.errors import NumberError
from workbench.finance.money import read_typed_number, to_decimal
from workbench.lending.product_models import (
    DEFAULT_USURY_CLASS,
    MAX_LATE_TOLERANCE_DAYS,
    METHODS,
    LoanProduct,
    MicrocreditLimit,
)
from workbench.lending.products import MAX_TERM_MONTHS, ProductTerms
from workbench.lending.scorecard import CRITERIA
from workbench.lending.scorecard_models import ScorecardVersion
from workbench.plans.financials import METHOD_LABELS
from workbench.programme.forms import CheckboxesField
from workbench.web.guards import MAX_ID

_HUNDRED = Decimal(100)
#: A revision as posted back: a positive number of a size the database column holds.
REVISION = [InputRequired(), NumberRange(min=1, max=MAX_ID)]

DAY_COUNT_LABELS = {
    "30/360": _l("30/360: every month counts as 30 days"),
    "actual/365": _l("Actual/365: the real days between due dates"),
}
FIRST_PERIOD_LABELS = {
    "whole_period": _l("A whole month, whatever the payout day"),
    "actual_days": _l("The real days from the payout to the first due date"),
}
ROUNDING_LABELS = {
    "half_up": _l("Half up (0.005 becomes 0.01)"),
    "half_even": _l("Half to even (banker's rounding)"),
}
INSTALLMENT_UNIT_LABELS = {
    "0.01": _l("To the cent"),
    "1": _l("To the whole euro"),
}
INTEREST_LABELS = {
    "declining": _l("On the balance still owed"),
    "flat": _l("Flat, on the amount lent"),
}
GRACE_LABELS = {
    "interest_only": _l("Interest only during the grace period"),
    "deferred": _l("Nothing paid; interest added to the debt"),
}
QUARTER_LABELS = {
    "1": _l("January to March"),
    "4": _l("April to June"),
    "7": _l("July to September"),
    "10": _l("October to December"),
}


def decimal_symbol() -> str:
    return get_decimal_symbol(str(get_locale()))


def read_amount(text: str) -> Decimal:
    """Euros and cents as typed; ValueError with the reason a person reads."""
    try:
        amount = read_typed_number(text, decimal_symbol())
    except NumberError as error:
        if error.code == "exponent":
            raise ValueError(_l("Write the amount in full, with digits only (for example 25000).")) from None
        raise ValueError(_l("Enter an amount in euros, with digits only (for example 25000).")) from None
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_l("At most two decimals: euros and cents."))
    return amount.quantize(Decimal("0.01"))


def read_percent(text: str) -> Decimal:
    """A percentage as typed ("7,5"), as a fraction (0.075); ValueError with the reason a person reads."""
    try:
        value = read_typed_number(text.replace("%", "").strip(), decimal_symbol())
    except NumberError:
        raise ValueError(_l("Enter a percentage with digits only (for example 7,5).")) from None
    if value != value.quantize(Decimal("0.0001")):
        raise ValueError(_l("At most four decimals."))
    return (value / _HUNDRED).quantize(Decimal("0.000001"))


def show_number(value: Any, *, percent: bool = False) -> str:
    """A stored number as the form shows it, in the page's notation, without trailing zeros."""
    if value is None:
        return ""
    number = to_decimal(value) * (_HUNDRED if percent else 1)
    text = format(number.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", decimal_symbol())


class TypedNumberField(StringField):
    """Text read as a number when the form is validated: `number` holds it, the typed text stays in `data`."""

    def __init__(
        self, *args: Any, percent: bool = False, empty: Decimal | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)
        self.percent = percent
        #: What an empty field means; None: the field is required.
        self.empty = empty
        self.number: Decimal | None = None

    def pre_validate(self, form: Any) -> None:
        self.number = None
        text = (self.data or "").strip()
        if not text and self.empty is not None:
            self.number = self.empty
            return
        if not text:
            raise ValidationError(_l("This field is required."))
        try:
            self.number = read_percent(text) if self.percent else read_amount(text)
        except ValueError as error:
            raise ValidationError(str(error)) from None


def _choices(labels: dict[str, Any]) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in labels.items()]


def method_choices() -> list[SelectChoice]:
    return [SelectChoice(method, METHOD_LABELS.get(method, method)) for method in METHODS]


class ProductForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l('As officers and trainees read it, for example "Microcredito d\'impresa".'),
    )
    min_amount = TypedNumberField(_l("Smallest amount (euros)"))
    max_amount = TypedNumberField(
        _l("Largest amount (euros)"),
        description=_l(
            "The legal limit of microcredit applies on top of it, by the day the contract is signed."
        ),
    )
    arrangement_fee = TypedNumberField(
        _l("Arrangement fee (euros)"),
        empty=Decimal("0.00"),
        description=_l("Paid by the borrower when the contract is signed, 0 for none: it counts in the APR."),
    )
    min_rate = TypedNumberField(_l("Lowest yearly rate (%)"), percent=True)
    max_rate = TypedNumberField(
        _l("Highest yearly rate (%)"),
        percent=True,
        description=_l("Every rate is also checked against the usury threshold of the quarter."),
    )
    max_term_months = IntegerField(
        _l("Longest term (months)"), validators=[InputRequired(), NumberRange(min=1, max=MAX_TERM_MONTHS)]
    )
    max_grace_months = IntegerField(
        _l("Longest grace period (months)"),
        validators=[InputRequired(), NumberRange(min=0, max=MAX_TERM_MONTHS)],
        default=0,
    )
    methods = CheckboxesField(
        _l("Ways of repaying"),
        choices=method_choices,
        validators=[DataRequired(message=_l("Choose at least one way of repaying."))],
    )
    day_count = RadioField(_l("Day count"), choices=_choices(DAY_COUNT_LABELS), default="30/360")
    first_period = RadioField(
        _l("Interest of the first installment"), choices=_choices(FIRST_PERIOD_LABELS), default="whole_period"
    )
    rounding = RadioField(_l("Rounding of cents"), choices=_choices(ROUNDING_LABELS), default="half_up")
    installment_unit = RadioField(
        _l("Installments rounded"), choices=_choices(INSTALLMENT_UNIT_LABELS), default="0.01"
    )
    interest = RadioField(_l("Interest computed"), choices=_choices(INTEREST_LABELS), default="declining")
    grace = RadioField(_l("During the grace period"), choices=_choices(GRACE_LABELS), default="interest_only")
    late_tolerance_days = IntegerField(
        _l("Days of tolerance before an installment is late"),
        validators=[InputRequired(), NumberRange(min=0, max=MAX_LATE_TOLERANCE_DAYS)],
        default=0,
    )
    legal_form_srl = BooleanField(_l("Lends to an SRL (società a responsabilità limitata) too"))
    usury_class = StringField(
        _l("Class of loans for the usury threshold"),
        validators=[DataRequired(), Length(max=120)],
        default=DEFAULT_USURY_CLASS,
        description=_l("As the ministry's quarterly table names it: its TEGM gives the threshold."),
    )

    def terms(self) -> ProductTerms:
        return ProductTerms(
            name=self.name.data or "",
            min_amount=self.min_amount.number or Decimal(0),
            max_amount=self.max_amount.number or Decimal(0),
            arrangement_fee=self.arrangement_fee.number or Decimal(0),
            min_rate=self.min_rate.number or Decimal(0),
            max_rate=self.max_rate.number or Decimal(0),
            max_term_months=self.max_term_months.data,
            max_grace_months=self.max_grace_months.data,
            methods=tuple(self.methods.data or ()),
            day_count=self.day_count.data,
            first_period=self.first_period.data,
            rounding=self.rounding.data,
            installment_unit=Decimal(self.installment_unit.data),
            interest=self.interest.data,
            grace=self.grace.data,
            late_tolerance_days=self.late_tolerance_days.data,
            legal_form_srl=bool(self.legal_form_srl.data),
            usury_class=self.usury_class.data or "",
        )


class EditProductForm(ProductForm):
    #: The revision the form was opened on: an edit made meanwhile by another manager is not overwritten.
    revision = IntegerField(widget=HiddenInput(), validators=REVISION)


def product_form_data(product: LoanProduct) -> dict[str, Any]:
    """What the edit form shows for a stored product."""
    return {
        "name": product.name,
        "min_amount": show_number(product.min_amount),
        "max_amount": show_number(product.max_amount),
        "arrangement_fee": show_number(product.arrangement_fee),
        "min_rate": show_number(product.min_rate, percent=True),
        "max_rate": show_number(product.max_rate, percent=True),
        "max_term_months": product.max_term_months,
        "max_grace_months": product.max_grace_months,
        "methods": list(product.allowed_methods),
        "day_count": product.day_count,
        "first_period": product.first_period,
        "rounding": product.rounding,
        "installment_unit": "1" if product.installment_unit == 1 else "0.01",
        "interest": product.interest,
        "grace": product.grace,
        "late_tolerance_days": product.late_tolerance_days,
        "legal_form_srl": product.legal_form_srl,
        "usury_class": product.usury_class,
        "revision": product.revision,
    }


class ActiveForm(FlaskForm):
    """Switch a product off or on: only the revision the list showed."""

    revision = IntegerField(widget=HiddenInput(), validators=REVISION)


class LimitForm(FlaskForm):
    effective_from = DateField(_l("In force from"), validators=[InputRequired()])
    max_amount = TypedNumberField(
        _l("Largest loan (euros)"),
        description=_l("To a person, a sole trader, a partnership, an association or a cooperative."),
    )
    max_amount_srl = TypedNumberField(_l("Largest loan to an SRL (euros)"))
    max_term_months = IntegerField(
        _l("Longest term (months)"), validators=[InputRequired(), NumberRange(min=1, max=MAX_TERM_MONTHS)]
    )
    real_collateral_allowed = BooleanField(_l("Real collateral allowed"), default=False)
    tutoring_required = BooleanField(_l("Tutoring required"), default=True)
    source = StringField(
        _l("Source"),
        validators=[Length(max=200)],
        description=_l('The law or decree that sets these limits, for example "DM 211/2023".'),
    )


class EditLimitForm(LimitForm):
    #: The revision the form was opened on: a correction made meanwhile is not overwritten.
    revision = IntegerField(widget=HiddenInput(), validators=REVISION)


def limit_form_data(limit: MicrocreditLimit) -> dict[str, Any]:
    """What the correction form shows for a stored row of limits."""
    return {
        "effective_from": limit.effective_from,
        "max_amount": show_number(limit.max_amount),
        "max_amount_srl": show_number(limit.max_amount_srl),
        "max_term_months": limit.max_term_months,
        "real_collateral_allowed": limit.real_collateral_allowed,
        "tutoring_required": limit.tutoring_required,
        "source": limit.source,
        "revision": limit.revision,
    }


class UsuryRateForm(FlaskForm):
    loan_class = StringField(
        _l("Class of loans"),
        validators=[DataRequired(), Length(max=120)],
        default=DEFAULT_USURY_CLASS,
        description=_l("As the ministry's table names it."),
    )
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2011, max=2199)])
    quarter = SelectField(_l("Quarter"), choices=_choices(QUARTER_LABELS))
    tegm = TypedNumberField(
        _l("TEGM (%)"),
        percent=True,
        description=_l("The average rate published for the quarter, for example 11,45."),
    )

    def quarter_start(self) -> date:
        return date(self.year.data, int(self.quarter.data), 1)


class ScorecardForm(FlaskForm):
    """A new version of the scorecard: a whole weight per criterion (adding up to 100) and where the bands
    start; `revision` is the number of the version the page showed."""

    revision = IntegerField(widget=HiddenInput(), validators=REVISION)
    recommend_from = IntegerField(
        _l("Recommend from a total of"), validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    discuss_from = IntegerField(
        _l("Discuss from a total of"),
        validators=[InputRequired(), NumberRange(min=1, max=100)],
        description=_l("Below it: do not recommend."),
    )

    def weight_fields(self) -> list[tuple[str, Any]]:
        """(criterion key, its weight field), in the scorecard's order."""
        return [(key, self[f"weight_{key}"]) for key in CRITERIA]

    def weights(self) -> dict[str, int]:
        return {key: field.data for key, field in self.weight_fields()}


for _key, _criterion in CRITERIA.items():
    setattr(
        ScorecardForm,
        f"weight_{_key}",
        IntegerField(
            _criterion.label,
            validators=[InputRequired(), NumberRange(min=0, max=100)],
            description=_criterion.help or None,
        ),
    )


def scorecard_form_data(version: ScorecardVersion) -> dict[str, Any]:
    """What the form shows for a stored version."""
    data: dict[str, Any] = {f"weight_{key}": 0 for key in CRITERIA}
    data.update({f"weight_{row['key']}": row["weight"] for row in version.criteria if row["key"] in CRITERIA})
    data.update(
        revision=version.number, recommend_from=version.recommend_from, discuss_from=version.discuss_from
    )
    return data
