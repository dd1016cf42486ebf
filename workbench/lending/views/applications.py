"""Credit applications: the trainee applies on their endorsed plan version and follows the application; the
officers score it, propose a decision, confirm or decline each other's proposals (four eyes) and pay out the
approved loan.

Without JavaScript the forms post and redirect (303) or come back with their errors (422) or, when someone
acted meanwhile, with what they did beside what was typed (409).
"""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user

from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending import applications as services
from workbench.lending import decisions
from workbench.lending.application_forms import (
    PAYOUT_LABELS,
    ApplicationForm,
    DeclineForm,
    DisburseForm,
    ProposalForm,
    ScoreForm,
)
from workbench.lending.application_models import CreditApplication
from workbench.lending.decisions_models import Proposal
from workbench.lending.permissions import can_disburse, can_score, can_view_application
from workbench.lending.products import active_products
from workbench.lending.scorecard import (
    BAND_LABELS,
    CRITERIA,
    JUDGED,
    Rating,
    ScoreConflict,
    computed_measures,
    current_scorecard,
    score_application,
    score_rows,
)
from workbench.plans.financials import METHOD_LABELS
from workbench.plans.models import BusinessPlan
from workbench.plans.permissions import can_apply_for_credit, can_view_plan, is_owner
from workbench.plans.results import stored_results
from workbench.plans.review import endorsements_of
from workbench.plans.services import projection_of
from workbench.plans.whatif import WHAT_IFS, scenario_for
from workbench.timeutil import programme_today
from workbench.web.decorators import role_required
from workbench.web.formatting import money, number
from workbench.web.forms import apply_domain_error
from workbench.web.templating import render

from . import bp
from .proposals import DecisionPage, register_page


def load_application(application_id: int) -> CreditApplication:
    """The application, if the current person may see it; otherwise 404, as for one that does not exist."""
    application = db.session.get(CreditApplication, application_id)
    if application is None or not can_view_application(current_user, application):
        abort(404)
    return application


def _proposal_subject(proposal: Proposal) -> CreditApplication | None:
    application = services.subject_of(proposal)
    return application if application and can_view_application(current_user, application) else None


# --- applying ----------------------------------------------------------------------------------------------


@bp.route("/plans/<int:plan_id>/apply", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def apply(plan_id: int):
    """The application form on the plan's latest, endorsed version, pre-filled from its first loan."""
    plan = db.session.get(BusinessPlan, plan_id)
    if plan is None or not is_owner(current_user, plan):
        abort(404)
    version = plan.latest_version
    existing = services.application_on(version) if version is not None else None
    if existing is not None:
        flash(
            _("You already applied for credit on this version of your plan. Here is your application."),
            "info",
        )
        return redirect(url_for("lending.application", application_id=existing.id), 303)
    allowed = version is not None and can_apply_for_credit(current_user, plan)
    form = ApplicationForm(data=services.prefilled(version) if allowed else None)
    status = 200
    if form.is_submitted():
        if not allowed:
            form.form_errors.append(
                _("You can apply for credit once your mentor has endorsed the latest version of your plan.")
            )
            status = 422
        elif form.validate():
            request = services.Request(
                form.amount.data,
                form.term_months.data,
                form.grace_months.data or 0,
                form.purpose.data or "",
                form.legal_form.data or "",
            )
            try:
                application = services.apply_for_credit(version, current_user, request)
            except services.AlreadyApplied as already:
                db.session.rollback()
                flash(already.errors[""], "info")
                return redirect(url_for("lending.application", application_id=already.application.id), 303)
            except DomainError as error:
                db.session.rollback()
                apply_domain_error(form, error)
                status = 422
            else:
                db.session.commit()
                flash(_("Your application has been sent to the loan officers."), "success")
                return redirect(url_for("lending.application", application_id=application.id), 303)
        else:
            status = 422
    return render("lending/apply.html", plan=plan, version=version, form=form, allowed=allowed), status


@bp.get("/applications/mine")
@role_required(Role.TRAINEE)
def my_applications():
    """The trainee's applications and where each stands."""
    listed = services.applications_of(current_user.id)
    states = services.states_of(listed)
    applied = {a.plan_version_id for a in listed}
    ready = [
        e.plan
        for e in endorsements_of(current_user.id)
        if e.current and e.decision.version_id not in applied and can_apply_for_credit(current_user, e.plan)
    ]
    # The first endorsed plan's form is on the page, pre-filled: applying is one step from the navigation.
    form = None
    if ready and ready[0].latest_version is not None:
        form = ApplicationForm(formdata=None, data=services.prefilled(ready[0].latest_version))
    return render(
        "lending/my_applications.html", states=[states[a.id] for a in listed], ready=ready, form=form
    )


# --- the application's page --------------------------------------------------------------------------------


def _stress(application: CreditApplication) -> list[dict[str, object]]:
    """The base case beside each stress test of the plans package, from the frozen numbers."""
    assumptions = application.plan_version.assumptions
    base, _error = projection_of(assumptions)
    if base is None:
        return []
    rows = [{"label": _("Base case"), "metrics": base.metrics}]
    for what_if in WHAT_IFS:
        stressed, _error = projection_of(assumptions, scenario_for([what_if.key]))
        if stressed is not None:
            rows.append({"label": what_if.label, "metrics": stressed.metrics})
    every = scenario_for([w.key for w in WHAT_IFS])
    together, _error = projection_of(assumptions, every)
    if together is not None:
        rows.append({"label": _("All three together"), "metrics": together.metrics})
    return rows


def _page(
    application: CreditApplication,
    *,
    score_form: ScoreForm | None = None,
    proposal_form: ProposalForm | None = None,
    decline_form: DeclineForm | None = None,
    disburse_form: DisburseForm | None = None,
    status: int = 200,
):
    state = services.state_of(application)
    # Officers and managers read the whole file; the applicant reads where their request stands.
    officer_view = current_user.id != application.applicant_id
    context: dict[str, object] = {
        "application": application,
        "state": state,
        "version": application.plan_version,
        "results": stored_results(application.plan_version.results),
        "officer_view": officer_view,
        "plan_link": can_view_plan(current_user, application.plan_version.plan),
        "Status": services.Status,
        "status_labels": services.STATUS_LABELS,
        "legal_form_labels": services.LEGAL_FORM_LABELS,
        "action_labels": services.ACTION_LABELS,
        "band_labels": BAND_LABELS,
        "criteria": CRITERIA,
        "method_labels": METHOD_LABELS,
        "payout_labels": PAYOUT_LABELS,
        "can_check": state.pending is not None and decisions.can_check(current_user, state.pending),
        "percent": _percent,
        "criterion_value": _criterion_value,
    }
    if officer_view:
        scorecard = current_scorecard()
        measures = computed_measures(application)
        preview, preview_total = score_rows(scorecard, measures, {})
        context.update(
            stress=_stress(application), scorecard=scorecard, preview=preview, preview_total=preview_total
        )
        scoring_open = state.status in (services.Status.SUBMITTED, services.Status.SCORED)
        if can_score(current_user) and scoring_open:
            context["score_form"] = score_form or _blank_score_form(state)
        if can_score(current_user) and state.pending is None and state.decision is None:
            context["proposal_form"] = proposal_form or _blank_proposal_form(application)
        if context["can_check"]:
            context["decline_form"] = decline_form or DeclineForm(formdata=None)
        if can_disburse(current_user) and state.status == services.Status.APPROVED:
            context["disburse_form"] = disburse_form or DisburseForm(
                formdata=None, disbursed_on=programme_today(), disbursement_method="bank_transfer"
            )
        if state.decision is not None and state.decision.action == services.APPROVE:
            context["terms"] = services.Terms.of(state.decision)
    db.session.commit()  # the default scorecard, when this is the first page that needed it
    return render("lending/application.html", **context), status


def _percent(fraction: str) -> str:
    """A stored yearly rate ("0.035") as the reader writes a percentage (3.5 %, 3,5 %)."""
    try:
        return format_percent(Decimal(fraction), format="#,##0.###%")
    except (ArithmeticError, ValueError):
        return "—"


def _criterion_value(row: dict[str, object]) -> str:
    """A criterion's value as the reader writes it. A score keeps each value as the text it showed when it was
    given ("203.92 / 0.00", "9.48 %", "yes" in the scorer's language): numbers are written again in the
    reader's notation, yes and no in the reader's language (from the criterion's normalised value, 1 or 0);
    anything else is shown as stored."""
    key, shown = row.get("key"), str(row.get("shown", ""))
    try:
        if key == "dscr" and shown != "—":
            return number(Decimal(shown))
        if key == "min_cash" and " / " in shown:
            low, gap = shown.split(" / ", 1)
            return f"{money(Decimal(low))} / {money(Decimal(gap))}"
        if key == "own_contribution" and shown.endswith("%"):
            return format_percent(Decimal(shown.removesuffix("%").strip()) / 100, format="#,##0.##%")
        if key in {"training", "endorsement"}:
            return _("yes") if Decimal(str(row.get("normalised"))) >= 1 else _("no")
    except (ArithmeticError, ValueError):
        pass
    return shown


def _blank_score_form(state: services.ApplicationState) -> ScoreForm:
    data: dict[str, object] = {"seen": str(state.seen)}
    if state.score is not None:
        for row in state.score.criteria:
            if row["key"] in JUDGED:
                data[f"{row['key']}_rating"] = str(row["rating"])
                data[f"{row['key']}_comment"] = row["comment"]
    return ScoreForm(formdata=None, data=data)


def _blank_proposal_form(application: CreditApplication) -> ProposalForm:
    """The terms asked for, on the first active product at its lowest rate, for the officer to adjust."""
    product = next(iter(active_products()), None)
    return ProposalForm(
        formdata=None,
        action="approve",
        product_id=product.id if product is not None else None,
        amount=application.amount,
        annual_rate=(product.min_rate * 100).normalize() if product is not None else None,
        term_months=application.term_months,
        grace_months=application.grace_months,
        method=product.allowed_methods[0] if product is not None and product.allowed_methods else "annuity",
    )


@bp.get("/applications/<int:application_id>")
@role_required(Role.TRAINEE, Role.OFFICER, Role.MANAGER)
def application(application_id: int):
    """The application: the request, the plan's figures and stress tests, the score, the decisions."""
    return _page(load_application(application_id))


def _back(application: CreditApplication, anchor: str):
    return redirect(url_for("lending.application", application_id=application.id, _anchor=anchor), 303)


@bp.post("/applications/<int:application_id>/score")
@role_required(Role.OFFICER)
def score(application_id: int):
    application = load_application(application_id)
    form = ScoreForm()
    if not form.validate():
        return _page(application, score_form=form, status=422)
    ratings = {
        key: Rating(int(form[f"{key}_rating"].data), form[f"{key}_comment"].data or "") for key in JUDGED
    }
    try:
        seen = int(form.seen.data or "0")
    except ValueError:
        seen = -1
    try:
        score_application(
            application,
            current_user,
            ratings,
            seen=seen,
            band=form.band.data or None,
            override_reason=form.override_reason.data,
        )
    except ScoreConflict as conflict:
        db.session.rollback()
        apply_domain_error(form, conflict)
        form.seen.data = str(services.state_of(application).seen)
        return _page(application, score_form=form, status=409)
    except DomainError as error:
        db.session.rollback()
        apply_domain_error(form, error)
        return _page(application, score_form=form, status=422)
    db.session.commit()
    flash(_("Your score has been saved."), "success")
    return _back(application, "score")


@bp.post("/applications/<int:application_id>/propose")
@role_required(Role.OFFICER)
def propose(application_id: int):
    application = load_application(application_id)
    form = ProposalForm()
    if not form.validate():
        return _page(application, proposal_form=form, status=422)
    try:
        services.propose_decision(
            application,
            current_user,
            form.action.data,
            terms=form.terms() if form.action.data == services.APPROVE else None,
            note=form.note.data or "",
        )
    except DomainError as error:
        db.session.rollback()
        apply_domain_error(form, error)
        return _page(application, proposal_form=form, status=409 if "" in error.errors else 422)
    db.session.commit()
    flash(_("Your proposal waits for another officer or a manager to confirm it."), "success")
    return _back(application, "decision")


@bp.post("/applications/<int:application_id>/disburse")
@role_required(Role.OFFICER)
def disburse(application_id: int):
    application = load_application(application_id)
    form = DisburseForm()
    if not form.validate():
        return _page(application, disburse_form=form, status=422)
    try:
        loan = services.disburse(
            application,
            current_user,
            disbursed_on=form.disbursed_on.data,
            disbursement_method=form.disbursement_method.data,
        )
    except DomainError as error:
        db.session.rollback()
        if "" in error.errors:
            flash(error.errors[""], "error")
            return _back(application, "decision")
        apply_domain_error(form, error)
        return _page(application, disburse_form=form, status=422)
    db.session.commit()
    flash(_("The payout has been recorded."), "success")
    return redirect(url_for("lending.loan", loan_id=loan.id), 303)


register_page(
    services.SUBJECT,
    DecisionPage(
        load=_proposal_subject,
        back=lambda application: _back(application, "decision"),
        decline_form=DeclineForm,
        page=lambda application, form: _page(application, decline_form=form, status=422),
    ),
)
