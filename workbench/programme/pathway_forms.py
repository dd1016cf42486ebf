"""Forms of a trainee's individual pathway (goals, services, the budget), and what the person page shows.

Amounts are typed as people write them ("2.340", "500,00") and read in the page's notation by the finance
core's bounded reader; what was typed stays when it is refused. The services check every rule again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Regexp, StopValidation
from wtforms.widgets import HiddenInput

from workbench.auth.models import User
from workbench.finance.errors import NumberError
from workbench.finance.money import CENT, MAX_NUMBER_TEXT, read_typed_number
from workbench.programme.pathway import (
    BUDGET_CATEGORIES,
    GOAL_STATUS_LABELS,
    MAX_GOAL,
    MAX_GRANT,
    MAX_NOTE,
    MAX_PROVIDER,
    MAX_SERVICE,
    SERVICE_STATUS_LABELS,
    Pathway,
    new_spending_key,
    pathway_of,
)
from workbench.programme.training_forms import decimal_symbol
from workbench.timeutil import programme_today
from workbench.web.formatting import money
from workbench.web.guards import MAX_ID


def read_amount(text: str, symbol: str) -> Decimal:
    """Euros and cents as typed; ValueError with the reason a person reads."""
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise ValueError(_("Enter an amount in euros (0 for none)."))
    try:
        amount = read_typed_number(text, symbol)
    except NumberError as error:
        if error.code == "too_large":
            raise ValueError(_("At most %(amount)s.", amount=money(MAX_GRANT))) from None
        raise ValueError(_("Enter an amount in euros, with digits only (for example 1250).")) from None
    if amount < 0:
        raise ValueError(_("This cannot be below zero."))
    if amount != amount.quantize(CENT):
        raise ValueError(_("At most two decimals: euros and cents."))
    if amount > MAX_GRANT:
        raise ValueError(_("At most %(amount)s.", amount=money(MAX_GRANT)))
    return abs(amount.quantize(CENT))


class AmountField(StringField):
    """Money typed by a person, read with their locale's decimal sign, kept as typed when refused."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list) -> None:
        self.data = None
        if not valuelist:
            return
        raw = valuelist[0] if isinstance(valuelist[0], str) else ""
        self.data = read_amount(raw[: MAX_NUMBER_TEXT + 1], decimal_symbol())

    def pre_validate(self, form: FlaskForm) -> None:
        if self.data is None and not self.process_errors:
            raise StopValidation(_("Enter an amount in euros (0 for none)."))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format(self.data, "f").replace(".", decimal_symbol())


def category_choices() -> list[SelectChoice]:
    return [SelectChoice(key, str(label)) for key, label in BUDGET_CATEGORIES.items()]


class GoalForm(FlaskForm):
    text = TextAreaField(
        _l("Goal agreed with the trainee"),
        validators=[
            InputRequired(message=_l("Write the goal agreed with the trainee.")),
            Length(max=MAX_GOAL),
        ],
        render_kw={"rows": 2},
    )
    agreed_on = DateField(_l("Agreed on"), validators=[InputRequired()], default=programme_today)


class ServiceForm(FlaskForm):
    description = StringField(
        _l("Service offered"),
        validators=[InputRequired(message=_l("Say which service is offered.")), Length(max=MAX_SERVICE)],
        description=_l(
            "For example: skills assessment, legal advice, intercultural mediation, an internship."
        ),
    )
    provider = StringField(_l("Provided by"), validators=[Length(max=MAX_PROVIDER)])
    offered_on = DateField(_l("Offered on"), validators=[InputRequired()], default=programme_today)


class StatusForm(FlaskForm):
    """A goal's or a service's new status, and the status the page showed."""

    status = SelectField(_l("Status"), validators=[InputRequired()])
    seen = HiddenField(validators=[InputRequired(), Length(max=16)])


def goal_status_form(goal: Any, formdata: Any = None) -> StatusForm:
    form = StatusForm(formdata=formdata, prefix=f"goal-{goal.id}", status=goal.status, seen=goal.status)
    form.status.choices = [SelectChoice(k, str(v)) for k, v in GOAL_STATUS_LABELS.items()]
    return form


def service_status_form(service: Any, formdata: Any = None) -> StatusForm:
    form = StatusForm(
        formdata=formdata, prefix=f"service-{service.id}", status=service.status, seen=service.status
    )
    form.status.choices = [SelectChoice(k, str(v)) for k, v in SERVICE_STATUS_LABELS.items()]
    return form


class GrantForm(FlaskForm):
    amount = AmountField(_l("Granted (EUR)"))
    #: The grant's revision the page showed (0: nothing granted yet).
    revision = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0, max=MAX_ID)]
    )


def grant_form(category: str, grant: Any, formdata: Any = None) -> GrantForm:
    return GrantForm(
        formdata=formdata,
        prefix=f"grant-{category}",
        amount=grant.amount if grant is not None else None,
        revision=grant.revision if grant is not None else 0,
    )


class SpendingForm(FlaskForm):
    category = SelectField(_l("Category"), choices=category_choices, validators=[InputRequired()])
    spent_on = DateField(_l("Spent on"), validators=[InputRequired()], default=programme_today)
    amount = AmountField(_l("Amount (EUR)"))
    note = StringField(
        _l("What it paid for"),
        validators=[Length(max=MAX_NOTE)],
        description=_l("For example: April allowance, the operator's invoice."),
    )
    #: A token of this form: sent twice, it records one spending.
    key = HiddenField(
        validators=[
            InputRequired(),
            Regexp(
                r"^[0-9a-f]{32}$",
                message=_l("This form is out of date: check what you typed and send it again."),
            ),
        ],
        default=new_spending_key,
    )


class ReversalForm(FlaskForm):
    reason = StringField(
        _l("Why is it taken back?"),
        validators=[InputRequired(message=_l("Say why this spending is taken back.")), Length(max=MAX_NOTE)],
    )


# --- what the person page shows -----------------------------------------------------------------------------


@dataclass
class PathwayPanel:
    """A trainee's pathway with the manager's forms: those given (a refused form, with its errors and what was
    typed), fresh ones for the rest."""

    pathway: Pathway
    goal_form: GoalForm
    service_form: ServiceForm
    spending_form: SpendingForm
    goal_forms: dict[int, StatusForm] = field(default_factory=dict)
    service_forms: dict[int, StatusForm] = field(default_factory=dict)
    grant_forms: dict[str, GrantForm] = field(default_factory=dict)
    reversal_forms: dict[int, ReversalForm] = field(default_factory=dict)


def pathway_panel(trainee: User, given: dict[str, Any] | None = None) -> PathwayPanel:
    """`given` maps "goal", "service", "spending", "goal:<id>", "service:<id>", "grant:<category>" and
    "reversal:<id>" to forms posted back with errors."""
    given = given or {}
    pathway = pathway_of(trainee)
    reversed_ids = pathway.reversed_ids
    return PathwayPanel(
        pathway=pathway,
        goal_form=given.get("goal") or GoalForm(formdata=None, prefix="goal"),
        service_form=given.get("service") or ServiceForm(formdata=None, prefix="service"),
        spending_form=given.get("spending") or SpendingForm(formdata=None, prefix="spending"),
        goal_forms={g.id: given.get(f"goal:{g.id}") or goal_status_form(g) for g in pathway.goals},
        service_forms={
            s.id: given.get(f"service:{s.id}") or service_status_form(s) for s in pathway.services
        },
        grant_forms={
            line.category: given.get(f"grant:{line.category}") or grant_form(line.category, line.grant)
            for line in pathway.lines
        },
        reversal_forms={
            row.id: given.get(f"reversal:{row.id}") or ReversalForm(formdata=None, prefix=f"reverse-{row.id}")
            for row in pathway.spendings
            if row.kind == "spending" and row.id not in reversed_ids
        },
    )
