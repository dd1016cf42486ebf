"""Credit applications: applying on an endorsed plan version, the state derived from what happened since
(scores, four-eyes proposals, the loan), the terms an approval may carry, and the disbursement.

An application's state is never stored: submitted -> scored -> proposed -> approved | rejected | sent back
-> (approved) disbursed, read from the latest score, the proposals on it and the loan that pays it out.

Safe under a double click and a second tab: one application per plan version (a unique key; the second
press is told and finds the first); proposals and confirmations are four-eyes rows (decisions.py); a version
is paid out once (the loan's unique keys, lending/services.record_disbursement).

Services flush; the request commits. Authorisation is the views' (lending.permissions), and the rules that
make an action impossible whoever asks (apply on a plan that is not endorsed) are checked here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, joinedload, selectinload

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance.apr import AprError, annual_percentage_rate
from workbench.finance.conventions import Conventions
from workbench.finance.errors import AssumptionsError, NumberError
from workbench.finance.fields import MAX_AMOUNT, MAX_TERM_MONTHS
from workbench.finance.money import to_cents, to_decimal
from workbench.finance.schedule import build_schedule
from workbench.lending import decisions
from workbench.lending.application_models import LEGAL_FORMS, CreditApplication
from workbench.lending.decisions_models import Proposal
from workbench.lending.models import Loan
from workbench.lending.product_models import LoanProduct
from workbench.lending.rules import check_terms
from workbench.lending.scorecard_models import ApplicationScore
from workbench.lending.services import METHODS as PAYOUT_METHODS
from workbench.lending.services import record_disbursement
from workbench.plans.models import PlanVersion
from workbench.plans.permissions import can_apply_for_credit
from workbench.plans.services import lock_plan
from workbench.timeutil import programme_today
from workbench.web.dates import day

#: The subject type of an application in the four-eyes proposals.
SUBJECT = "credit_application"
APPROVE, REJECT, SEND_BACK = "approve", "reject", "send_back"
ACTIONS = (APPROVE, REJECT, SEND_BACK)
#: How an approved loan is repaid (the finance core's schedule methods).
REPAYMENT_METHODS = ("annuity", "equal_principal")
MAX_PURPOSE_CHARACTERS = 2_000
#: An approved loan's first installment falls due within this many days of the approval's proposal.
MAX_FIRST_DUE_DAYS = 400


class Status(StrEnum):
    SUBMITTED = "submitted"
    SCORED = "scored"
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT_BACK = "sent_back"
    DISBURSED = "disbursed"


STATUS_LABELS = {
    Status.SUBMITTED: _l("Submitted"),
    Status.SCORED: _l("Scored"),
    Status.PROPOSED: _l("Decision proposed"),
    Status.APPROVED: _l("Approved"),
    Status.REJECTED: _l("Rejected"),
    Status.SENT_BACK: _l("Sent back for changes"),
    # Not "Paid out": that is also the label of the payout's date, which Arabic says as "date of payout".
    Status.DISBURSED: _l("Loan disbursed"),
}
LEGAL_FORM_LABELS = {
    "individual": _l("Sole trader"),
    "partnership": _l("Partnership"),
    "srl": _l("Limited company (S.r.l.)"),
}
ACTION_LABELS = {
    APPROVE: _l("Approve"),
    REJECT: _l("Reject"),
    SEND_BACK: _l("Send back for changes"),
}
#: The states in which nothing more is decided.
CLOSED = frozenset({Status.REJECTED, Status.SENT_BACK, Status.DISBURSED})


# --- the state, derived ------------------------------------------------------------------------------------


@dataclass
class ApplicationState:
    """Where an application stands, and the rows that say so."""

    application: CreditApplication
    score: ApplicationScore | None = None
    proposals: list[Proposal] = field(default_factory=list)
    loan: Loan | None = None

    @property
    def pending(self) -> Proposal | None:
        return next((p for p in self.proposals if p.pending), None)

    @property
    def decision(self) -> Proposal | None:
        """The confirmed proposal, once there is one: it closes the application."""
        return next((p for p in self.proposals if p.confirmed), None)

    @property
    def status(self) -> Status:
        if self.loan is not None:
            return Status.DISBURSED
        decided = self.decision
        if decided is not None:
            return {APPROVE: Status.APPROVED, REJECT: Status.REJECTED}.get(decided.action, Status.SENT_BACK)
        if self.pending is not None:
            return Status.PROPOSED
        if self.score is not None:
            return Status.SCORED
        return Status.SUBMITTED

    @property
    def label(self) -> Any:
        return STATUS_LABELS[self.status]

    @property
    def seen(self) -> int:
        """The number of the latest score: a scoring form says which one it was made from."""
        return self.score.sequence if self.score is not None else 0


def latest_scores(application_ids: Iterable[int], *, criteria: bool = True) -> dict[int, ApplicationScore]:
    """Each application's latest score, with its officer (a query each); without `criteria`, the rows of
    the score are not read (a list of applications shows the total and the band)."""
    ids = list(application_ids)
    if not ids:
        return {}
    latest = (
        select(ApplicationScore.application_id, func.max(ApplicationScore.sequence).label("sequence"))
        .where(ApplicationScore.application_id.in_(ids))
        .group_by(ApplicationScore.application_id)
        .subquery()
    )
    query = (
        select(ApplicationScore)
        .join(
            latest,
            (latest.c.application_id == ApplicationScore.application_id)
            & (latest.c.sequence == ApplicationScore.sequence),
        )
        .options(selectinload(ApplicationScore.officer))
    )
    if not criteria:
        query = query.options(defer(ApplicationScore.criteria))
    return {score.application_id: score for score in db.session.scalars(query)}


def states_of(
    applications: Iterable[CreditApplication], *, criteria: bool = True
) -> dict[int, ApplicationState]:
    """Each application's state, in a constant number of queries whatever their number (``criteria``: read
    the rows of the scores too)."""
    listed = list(applications)
    ids = [a.id for a in listed]
    scores = latest_scores(ids, criteria=criteria)
    proposals = decisions.proposals_of(SUBJECT, ids)
    loans = (
        {
            loan.application_id: loan
            for loan in db.session.scalars(select(Loan).where(Loan.application_id.in_(ids)))
        }
        if ids
        else {}
    )
    return {
        a.id: ApplicationState(a, scores.get(a.id), proposals.get(a.id, []), loans.get(a.id)) for a in listed
    }


def state_of(application: CreditApplication) -> ApplicationState:
    return states_of([application])[application.id]


def applications_of(applicant_id: int) -> list[CreditApplication]:
    """A trainee's applications, the latest first."""
    return list(
        db.session.scalars(
            select(CreditApplication)
            .where(CreditApplication.applicant_id == applicant_id)
            .options(joinedload(CreditApplication.plan_version))
            .order_by(CreditApplication.submitted_at.desc(), CreditApplication.id.desc())
        )
    )


def application_on(version: PlanVersion) -> CreditApplication | None:
    return db.session.scalar(select(CreditApplication).where(CreditApplication.plan_version_id == version.id))


# --- applying ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """What the trainee asks for."""

    amount: Decimal
    term_months: int
    grace_months: int
    purpose: str
    legal_form: str


def prefilled(version: PlanVersion) -> dict[str, Any]:
    """The request as the version's numbers put it: its first loan's amount, term, grace and name."""
    loans = version.assumptions.get("loans") if isinstance(version.assumptions, Mapping) else None
    first = loans[0] if isinstance(loans, list) and loans and isinstance(loans[0], Mapping) else {}
    values: dict[str, Any] = {"legal_form": "individual", "purpose": str(first.get("name") or "")}
    try:
        values["amount"] = to_cents(to_decimal(first["principal"]))
    except (KeyError, NumberError, ArithmeticError, TypeError, ValueError):
        values["amount"] = None
    for key in ("term_months", "grace_months"):
        try:
            values[key] = int(first[key])
        except (KeyError, TypeError, ValueError):
            values[key] = 0 if key == "grace_months" else None
    return values


class AlreadyApplied(DomainError):
    """The version already has an application: the page shows it."""

    def __init__(self, application: CreditApplication) -> None:
        self.application = application
        super().__init__(
            {
                "": _(
                    "You already applied for credit on this version of your plan, on %(date)s. Here is your "
                    "application.",
                    date=day(application.submitted_at),
                )
            }
        )


def _checked_request(request: Request) -> Request:
    errors: dict[str, str] = {}
    if request.amount is None or request.amount <= 0 or request.amount > MAX_AMOUNT:
        errors["amount"] = _("Write an amount above zero.")
    if not (1 <= request.term_months <= MAX_TERM_MONTHS):
        errors["term_months"] = _("From %(low)d to %(high)d months.", low=1, high=MAX_TERM_MONTHS)
    if request.grace_months < 0 or request.grace_months >= request.term_months:
        errors["grace_months"] = _("The months of interest only must be fewer than the months of the loan.")
    purpose = (request.purpose or "").replace("\r\n", "\n").strip()
    if not purpose:
        errors["purpose"] = _("Say what the money is for.")
    elif len(purpose) > MAX_PURPOSE_CHARACTERS:
        errors["purpose"] = _(
            "This text has %(now)d characters, at most %(n)d fit. Shorten it; your text is still here.",
            now=len(purpose),
            n=MAX_PURPOSE_CHARACTERS,
        )
    if request.legal_form not in LEGAL_FORMS:
        errors["legal_form"] = _("Choose the legal form of the business.")
    if errors:
        raise DomainError(errors)
    return Request(
        to_cents(request.amount), request.term_months, request.grace_months, purpose, request.legal_form
    )


def apply_for_credit(version: PlanVersion, actor: User, request: Request) -> CreditApplication:
    """The trainee applies for credit on `version`, the latest, endorsed version of their plan. Once."""
    plan = version.plan
    lock_plan(plan)
    if (
        not can_apply_for_credit(actor, plan)
        or plan.latest_version is None
        or plan.latest_version.id != version.id
    ):
        raise DomainError(
            {
                "": _(
                    "You can apply for credit only on the latest version of your plan, once your mentor has "
                    "endorsed it."
                )
            }
        )
    existing = application_on(version)
    if existing is not None:
        raise AlreadyApplied(existing)
    checked = _checked_request(request)
    application = CreditApplication(
        plan_version_id=version.id,
        applicant_id=actor.id,
        amount=checked.amount,
        term_months=checked.term_months,
        grace_months=checked.grace_months,
        purpose=checked.purpose,
        legal_form=checked.legal_form,
    )
    try:
        with db.session.begin_nested():
            db.session.add(application)
    except IntegrityError as error:
        existing = application_on(version)
        if existing is None:
            raise
        raise AlreadyApplied(existing) from error
    record(
        "application.submitted",
        application,
        actor,
        after={
            "plan_version_id": version.id,
            "amount": str(application.amount),
            "term_months": application.term_months,
            "grace_months": application.grace_months,
            "legal_form": application.legal_form,
        },
    )
    return application


# --- terms -------------------------------------------------------------------------------------------------


def terms_errors(application: CreditApplication, terms: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with the terms an approval proposes, by field; {} when they are fine.

    The one place where loan terms are judged: the finance core's checks (build_schedule, under the
    product's conventions), the application's own limits, and the product's and the law's rules
    (:func:`product_errors`) for a contract signed today."""
    from workbench.plans.financials import message_for

    errors: dict[str, str] = {}
    product = _product(terms.get("product_id"))
    if product is None:
        errors["product_id"] = _("Choose the loan product.")
    amount = terms.get("amount")
    if isinstance(amount, Decimal) and amount > application.amount:
        errors["amount"] = _("At most the amount asked for: %(amount)s.", amount=str(application.amount))
    first_due = terms.get("first_due_on")
    today = programme_today()
    if not isinstance(first_due, date):
        errors["first_due_on"] = _("Choose the day the first installment falls due.")
    elif first_due <= today or (first_due - today).days > MAX_FIRST_DUE_DAYS:
        errors["first_due_on"] = _("Choose a day after today, within a year or so.")
    dated = "first_due_on" not in errors
    try:
        build_schedule(
            terms.get("amount"),
            terms.get("annual_rate"),
            terms.get("term_months"),
            terms.get("grace_months") or 0,
            terms.get("method") or "annuity",
            first_due if dated else None,
            conventions=Conventions.of(product) if product is not None and dated else None,
            disbursed_on=today if dated else None,
        )
    except AssumptionsError as error:
        names = {"principal": "amount", "first_due": "first_due_on", "disbursed_on": "first_due_on"}
        for issue in error.issues:
            errors.setdefault(names.get(issue.path, issue.path), message_for(issue))
    if product is not None:
        for name, message in product_errors(application, product, terms, signed_on=today).items():
            errors.setdefault(name, message)
    return errors


def _product(product_id: object) -> LoanProduct | None:
    if isinstance(product_id, bool) or not isinstance(product_id, int) or not 0 < product_id < 2**31:
        return None
    return db.session.get(LoanProduct, product_id)


#: Where check_terms's findings show on the proposal form: the APR follows from the rate, the legal form
#: from the product chosen.
_FIELD_OF = {"product": "product_id", "legal_form": "product_id", "apr": "annual_rate"}


def product_errors(
    application: CreditApplication,
    product: LoanProduct,
    terms: Mapping[str, Any],
    *,
    signed_on: date,
    switched_off_ok: bool = False,
) -> dict[str, str]:
    """The product's ranges, the microcredit limits in force on `signed_on` for the application's legal
    form, and the usury threshold of that quarter for the rate and for the APR (TAEG) of the borrower's
    flows (rules.check_terms), by proposal-form field. `switched_off_ok`: a product switched off after
    the approval still pays out what was approved on it."""
    apr = _apr(product, terms, signed_on)
    found = check_terms(
        product,
        amount=terms.get("amount"),
        annual_rate=terms.get("annual_rate"),
        term_months=terms.get("term_months"),
        grace_months=terms.get("grace_months") or 0,
        method=terms.get("method") or "annuity",
        signed_on=signed_on,
        legal_form=application.legal_form,
        apr=apr,
    )
    if switched_off_ok:
        found.pop("product", None)
    errors: dict[str, str] = {}
    for name, message in found.items():
        errors.setdefault(_FIELD_OF.get(name, name), message)
    return errors


def _apr(product: LoanProduct, terms: Mapping[str, Any], signed_on: date) -> Decimal | None:
    """The APR of the flows these terms give a borrower who signs, pays the product's arrangement fee and
    receives the money on `signed_on`;
    None when the terms do not make a schedule (their own errors say why) or the flows have no rate."""
    first_due = terms.get("first_due_on")
    if not isinstance(first_due, date) or first_due <= signed_on:
        return None
    try:
        schedule = build_schedule(
            terms.get("amount"),
            terms.get("annual_rate"),
            terms.get("term_months"),
            terms.get("grace_months") or 0,
            terms.get("method") or "annuity",
            first_due,
            conventions=Conventions.of(product),
            disbursed_on=signed_on,
        )
    except AssumptionsError:
        return None
    received = sum((row.principal for row in schedule), Decimal(0)) - product.arrangement_fee
    flows = [(signed_on, received)]
    flows.extend((row.due_date, -row.total) for row in schedule if row.due_date is not None)
    try:
        return annual_percentage_rate(flows)
    except AprError:
        return None


def stored_terms(terms: Mapping[str, Any]) -> dict[str, Any]:
    """The terms as the proposal stores them (JSON)."""
    return {
        "product_id": int(terms["product_id"]),
        "amount": str(to_cents(terms["amount"])),
        "annual_rate": str(terms["annual_rate"]),
        "term_months": int(terms["term_months"]),
        "grace_months": int(terms.get("grace_months") or 0),
        "method": terms.get("method") or "annuity",
        "first_due_on": terms["first_due_on"].isoformat(),
    }


@dataclass(frozen=True)
class Terms:
    """An approval's terms read back from its proposal."""

    amount: Decimal
    annual_rate: Decimal
    term_months: int
    grace_months: int
    method: str
    first_due_on: date
    #: The loan product they were checked against (None on a proposal stored before products).
    product_id: int | None = None

    @classmethod
    def of(cls, proposal: Proposal) -> Terms:
        t = proposal.terms
        return cls(
            Decimal(t["amount"]),
            Decimal(t["annual_rate"]),
            int(t["term_months"]),
            int(t["grace_months"]),
            str(t["method"]),
            date.fromisoformat(t["first_due_on"]),
            t.get("product_id"),
        )

    def as_mapping(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


# --- the application as a four-eyes subject ---------------------------------------------------------------


def lock_application(application_id: int) -> CreditApplication:
    """Hold the application's plan until the transaction ends (lock_plan: a row lock, SQLite's write lock):
    applying, proposing, confirming and paying out on one plan are so taken one at a time."""
    application = db.session.get(CreditApplication, application_id)
    if application is None:
        raise DomainError({"": _("This application does not exist.")})
    lock_plan(application.plan_version.plan)
    return application


def _check_proposal(application_id: int, action: str, terms: Mapping[str, Any]) -> dict[str, Any]:
    application = db.session.get(CreditApplication, application_id)
    assert application is not None
    state = state_of(application)
    if state.decision is not None or state.status in CLOSED:
        raise DomainError({"": _("This application has been decided: %(status)s.", status=state.label)})
    if action == APPROVE:
        if state.score is None:
            raise DomainError({"": _("Score the application before proposing to approve it.")})
        errors = terms_errors(application, terms)
        if errors:
            raise DomainError(errors)
        return stored_terms(terms)
    return {}


decisions.register_subject(
    SUBJECT,
    decisions.SubjectKind(
        actions=ACTIONS,
        lock=lock_application,
        check_proposal=_check_proposal,
        note_required=frozenset({REJECT, SEND_BACK}),
    ),
)


def propose_decision(
    application: CreditApplication, actor: User, action: str, *, terms: Mapping[str, Any] | None, note: str
) -> Proposal:
    """An officer proposes to approve (with terms), reject (with a reason) or send back (with a note)."""
    return decisions.propose(SUBJECT, application.id, action, actor=actor, terms=terms, note=note)


def subject_of(proposal: Proposal) -> CreditApplication | None:
    if proposal.subject_type != SUBJECT:
        return None
    return db.session.get(CreditApplication, proposal.subject_id)


# --- the disbursement --------------------------------------------------------------------------------------


def disburse(
    application: CreditApplication, actor: User, *, disbursed_on: date, disbursement_method: str
) -> Loan:
    """Pay out the confirmed approval's terms: any officer, the proposer too (the four eyes were on the
    approval). Once: the loan's unique keys refuse a second payout of the application or of its version."""
    lock_application(application.id)
    state = state_of(application)
    if state.status == Status.DISBURSED:
        raise DomainError({"": _("This application has already been paid out.")})
    if state.status != Status.APPROVED or state.decision is None:
        raise DomainError({"": _("Only an approved application is paid out.")})
    if disbursement_method not in PAYOUT_METHODS:
        raise DomainError({"disbursement_method": _("Choose how the money was paid out.")})
    terms = Terms.of(state.decision)
    if disbursed_on >= terms.first_due_on:
        raise DomainError(
            {
                "disbursed_on": _(
                    "Pay out before the first installment falls due (%(date)s).",
                    date=terms.first_due_on.isoformat(),
                )
            }
        )
    if disbursed_on > programme_today():
        raise DomainError({"disbursed_on": _("Record a payout once it is made: not a day in the future.")})
    product = _product(terms.product_id)
    if product is not None:
        # The contract is signed on the payout day: that day's limits and usury threshold apply.
        found = product_errors(
            application, product, terms.as_mapping(), signed_on=disbursed_on, switched_off_ok=True
        )
        if found:
            raise DomainError(
                {
                    "disbursed_on": _(
                        "These terms cannot be signed on %(date)s: %(reason)s",
                        date=disbursed_on.isoformat(),
                        reason=next(iter(found.values())),
                    )
                }
            )
    return record_disbursement(
        application.plan_version,
        principal=terms.amount,
        annual_rate=terms.annual_rate,
        term_months=terms.term_months,
        grace_months=terms.grace_months,
        method=terms.method,
        disbursed_on=disbursed_on,
        disbursement_method=disbursement_method,
        actor=actor,
        first_due_on=terms.first_due_on,
        application=application,
        product=product,
    )
