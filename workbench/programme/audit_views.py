"""The audit log for managers: who changed what and when, filtered by person, object, action and period, a
keyset page at a time, and the same rows as CSV or XLSX."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user
from sqlalchemy import select

from workbench.audit.labels import audit_label, kind_label
from workbench.audit.log import (
    EXPORT_LIMIT,
    FIELDS_SHOWN,
    FieldChange,
    changed_fields,
    cursor_event,
    export_events,
    log_page,
)
from workbench.audit.models import AuditEvent
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.programme.audit_forms import FILTER_ARGS, AuditFilterForm, audit_filter_form
from workbench.programme.permissions import can_read_audit_log
from workbench.programme.views import bp
from workbench.timeutil import as_utc, programme_today
from workbench.web.decorators import role_required
from workbench.web.guards import query_int
from workbench.web.rendering import download
from workbench.web.spreadsheets import Sheet, to_csv, to_xlsx
from workbench.web.templating import render

#: The pages an object of each kind has, and the name of its id there.
OBJECT_PAGES = {
    "user": ("programme.person", "user_id"),
    "cohort": ("programme.cohort", "cohort_id"),
    "business_plan": ("plans.overview", "plan_id"),
    "credit_application": ("lending.application", "application_id"),
    "loan": ("lending.loan", "loan_id"),
    "milestone": ("mentoring.milestone", "milestone_id"),
}


@dataclass(frozen=True)
class LogRow:
    event: AuditEvent
    actor: User | None
    what: str
    kind: str
    #: The person an event about an account is about (None for other objects).
    subject: User | None
    link: str | None
    changes: list[FieldChange]
    #: Fields left out of the row (the export lists them all).
    more: int


def _rows(events: list[AuditEvent], fields_shown: int | None = FIELDS_SHOWN) -> list[LogRow]:
    ids = {e.actor_id for e in events if e.actor_id} | {
        e.object_id for e in events if e.object_type == "user" and e.object_id
    }
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    rows = []
    for event in events:
        page = OBJECT_PAGES.get(event.object_type)
        link = url_for(page[0], **{page[1]: event.object_id}) if page and event.object_id else None
        changes = changed_fields(event.before, event.after)
        shown = changes if fields_shown is None else changes[:fields_shown]
        rows.append(
            LogRow(
                event=event,
                actor=people.get(event.actor_id) if event.actor_id else None,
                what=audit_label(event.action),
                kind=kind_label(event.object_type),
                subject=people.get(event.object_id) if event.object_type == "user" else None,
                link=link,
                changes=shown,
                more=len(changes) - len(shown),
            )
        )
    return rows


def _filter_args() -> dict[str, str]:
    """The filters of the query string, for the pages' links and the exports (cursors left out)."""
    return {name: request.args[name] for name in FILTER_ARGS if request.args.get(name, "").strip()}


def _cursor(name: str) -> AuditEvent | None:
    """The event a page continues from (?older=id or ?newer=id); an id no event has is a page that does not
    exist."""
    event_id = query_int(name, 0)
    if not event_id:
        return None
    return cursor_event(event_id) or abort(404)


def _readable_form() -> AuditFilterForm:
    if not can_read_audit_log(current_user):
        abort(403)
    return audit_filter_form(request.args)


def _render_log(form: AuditFilterForm, page=None):
    return render(
        "programme/audit.html",
        form=form,
        page=page,
        rows=_rows(page.events) if page is not None else [],
        args=_filter_args(),
        export_limit=EXPORT_LIMIT,
    )


@bp.get("/programme/audit")
@role_required(Role.MANAGER)
def audit_log():
    form = _readable_form()
    older, newer = _cursor("older"), _cursor("newer")
    if form.errors:
        return _render_log(form), 422
    return _render_log(form, log_page(form.filters(), older_than=older, newer_than=newer))


def _when(moment: datetime) -> str:
    """The moment as the page's zone reads it, written the same in every language (sortable)."""
    return to_user_timezone(as_utc(moment)).strftime("%Y-%m-%d %H:%M:%S")


def _change_text(change: FieldChange) -> str:
    before = "—" if change.before is None else change.before
    after = "—" if change.after is None else change.after
    return f"{change.name}: {before} → {after}" if change.name else f"{before} → {after}"


def _sheet(form: AuditFilterForm) -> Sheet:
    rows = _rows(export_events(form.filters()), fields_shown=None)
    return Sheet(
        title=_("Audit log"),
        header=[
            _("When"),
            _("Who"),
            _("Who (id)"),
            _("What happened"),
            _("Action"),
            _("Object"),
            _("Object number"),
            _("Changes"),
        ],
        rows=[
            (
                _when(row.event.occurred_at),
                row.actor.full_name if row.actor else _("system"),
                row.event.actor_id,
                row.what,
                row.event.action,
                row.kind,
                row.event.object_id,
                "\n".join(_change_text(change) for change in row.changes),
            )
            for row in rows
        ],
        formats=("text", "text", "int", "text", "text", "text", "int", "text"),
    )


def _file_name(extension: str) -> str:
    return f"audit-log-{programme_today().isoformat()}.{extension}"


@bp.get("/programme/audit.csv")
@role_required(Role.MANAGER)
def audit_log_csv():
    form = _readable_form()
    if form.errors:
        return _render_log(form), 422
    return download(to_csv(_sheet(form)), "text/csv", _file_name("csv"))


@bp.get("/programme/audit.xlsx")
@role_required(Role.MANAGER)
def audit_log_xlsx():
    form = _readable_form()
    if form.errors:
        return _render_log(form), 422
    return download(
        to_xlsx([_sheet(form)]),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _file_name("xlsx"),
    )
