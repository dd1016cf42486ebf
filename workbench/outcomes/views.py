"""The programme's funnel for managers: the page with the real counts, and its exports with small groups
hidden."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from sqlalchemy import select

from workbench.auth.models import User
from workbench.auth.profile import gender_label
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.outcomes import exports
from workbench.outcomes.charts import funnel_bars
from workbench.outcomes.forms import FunnelFilterForm, filter_form
from workbench.outcomes.funnel import NOT_GIVEN, STEPS, Filters, Report, funnel_report
from workbench.programme.models import Cohort, Enrolment
from workbench.timeutil import programme_today
from workbench.web.dates import day
from workbench.web.decorators import role_required
from workbench.web.templating import country_name, render

bp = Blueprint("outcomes", __name__)


def _cohorts() -> list[Cohort]:
    return list(db.session.scalars(select(Cohort).order_by(Cohort.starts_on.desc(), Cohort.name)))


def _countries() -> list[str]:
    """The countries of origin of the people enrolled, for the filter."""
    return list(
        db.session.scalars(
            select(User.country)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(User.country.is_not(None))
            .distinct()
        )
    )


def _read() -> tuple[FunnelFilterForm, list[Cohort], Report]:
    cohorts = _cohorts()
    form = filter_form(request.args, cohorts, _countries())
    return form, cohorts, funnel_report(form.filters(), programme_today())


def filter_args(filters: Filters) -> dict[str, str]:
    """The query string of the filters in force, for the export links."""
    args = {
        "cohort": "" if filters.cohort_id is None else str(filters.cohort_id),
        "enrolled_from": filters.enrolled_from.isoformat() if filters.enrolled_from else "",
        "enrolled_to": filters.enrolled_to.isoformat() if filters.enrolled_to else "",
        "gender": filters.gender or "",
        "country": filters.country or "",
    }
    return {name: value for name, value in args.items() if value}


def described(report: Report, cohorts: list[Cohort]) -> list[tuple[str, str]]:
    """What the funnel counts, in words: one (what, value) pair a line, for the exports."""
    filters = report.filters
    names = {cohort.id: cohort.name for cohort in cohorts}
    if filters.enrolled_from and filters.enrolled_to:
        start, end = day(filters.enrolled_from), day(filters.enrolled_to)
        period = _("from %(start)s to %(end)s", start=start, end=end)
    elif filters.enrolled_from:
        period = _("from %(start)s", start=day(filters.enrolled_from))
    elif filters.enrolled_to:
        period = _("until %(end)s", end=day(filters.enrolled_to))
    else:
        period = _("any time")
    gender = _("not given") if filters.gender == NOT_GIVEN else gender_label(filters.gender) or _("any")
    country = _("not recorded") if filters.country == NOT_GIVEN else country_name(filters.country) or _("any")
    return [
        (_("Cohort"), names.get(filters.cohort_id, "") if filters.cohort_id else _("all cohorts")),
        (_("Enrolled"), period),
        (_("Gender"), gender),
        (_("Country of origin"), country),
        (_("Counted on"), day(report.as_of)),
    ]


@bp.get("/programme/funnel")
@role_required(Role.MANAGER)
def funnel():
    form, cohorts, report = _read()
    shown = [cohort for cohort in cohorts if cohort.id in report.by_cohort]
    return render(
        "outcomes/funnel.html",
        form=form,
        report=report,
        bars=funnel_bars(report.total),
        steps=STEPS,
        cohorts=shown,
        chosen=next((c for c in cohorts if c.id == report.filters.cohort_id), None),
        export_args=filter_args(report.filters),
        rule=exports.rule_text(),
    )


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/programme/funnel.csv")
@role_required(Role.MANAGER)
def funnel_csv():
    _form, cohorts, report = _read()
    return _download(
        exports.funnel_csv(report.total, described(report, cohorts)),
        "text/csv",
        exports.file_name("csv", report.as_of, report.filters.cohort_id),
    )


@bp.get("/programme/funnel.xlsx")
@role_required(Role.MANAGER)
def funnel_xlsx():
    _form, cohorts, report = _read()
    return _download(
        exports.funnel_xlsx(report.total, described(report, cohorts), _("Programme funnel")),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.file_name("xlsx", report.as_of, report.filters.cohort_id),
    )
