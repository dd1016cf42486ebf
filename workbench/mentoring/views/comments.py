"""Comment threads on plan sections: the comments of a plan's draft or of one of its versions (a page, and the
fragment the plan pages load with hx-get), starting a thread, replying, resolving and reopening.

With htmx every form swaps its fragment in place (a new thread: the comments box; a reply, resolve or
reopen: the thread); without JavaScript every form posts and redirects back (303) to the comments page it
was on, and a refused comment comes back on that page (422) with what was typed.

Who: load the plan or the thread (404 for a plan the person may not read, exactly like a missing one), ask a
predicate of mentoring.permissions (403), then call a service of mentoring.comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select

from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.mentoring import comments
from workbench.mentoring.forms import ThreadForm
from workbench.mentoring.models import CommentThread, ThreadComment, ThreadEventKind
from workbench.mentoring.permissions import can_comment, can_read_comments, can_reopen, can_reply, can_resolve
from workbench.mentoring.views import bp
from workbench.plans.models import BusinessPlan, PlanVersion
from workbench.plans.template_model import BusinessType, Section
from workbench.timeutil import as_utc
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error
from workbench.web.templating import is_htmx_fragment_request, render

#: A question's prompt is cut to this many characters in the "About" list.
PROMPT_SHOWN = 90


@dataclass(frozen=True)
class Place:
    """Where threads are shown: the draft of a plan (version None) or one of its versions, one section of it
    or all of them. Forms say where they were shown, so a reply without JavaScript returns there."""

    plan: BusinessPlan
    version: PlanVersion | None
    section_key: str | None

    @property
    def template(self) -> BusinessType:
        return comments.template_of(self.plan, self.version)

    @property
    def sections(self) -> list[Section]:
        if self.section_key is not None:
            return [self.template.section(self.section_key)]
        return list(self.template.sections)

    def url(self, thread_id: int | None = None) -> str:
        args: dict[str, Any] = {"section": self.section_key} if self.section_key else {}
        if self.version is None:
            url = url_for("mentoring.draft_comments", plan_id=self.plan.id, **args)
        else:
            url = url_for(
                "mentoring.version_comments", plan_id=self.plan.id, number=self.version.number, **args
            )
        return url + (f"#thread-{thread_id}" if thread_id else "")

    def section_url(self, section_key: str) -> str:
        """The comments of one section, in the same draft or version."""
        return Place(self.plan, self.version, section_key).url()

    @property
    def fields(self) -> dict[str, str]:
        """The hidden fields that bring a form back here."""
        return {"view": str(self.version.number) if self.version else "", "section": self.section_key or ""}


def load_commented_plan(plan_id: int) -> BusinessPlan:
    plan = db.session.get(BusinessPlan, plan_id)
    if plan is None or not can_read_comments(current_user, plan):
        abort(404)
    return plan


def load_thread(thread_id: int) -> CommentThread:
    thread = comments.load_thread(thread_id)
    if thread is None or not can_read_comments(current_user, thread.plan):
        abort(404)
    return thread


def _version(plan: BusinessPlan, number: int) -> PlanVersion:
    return db.first_or_404(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == number)
    )


def _section_asked(plan: BusinessPlan, version: PlanVersion | None) -> str | None:
    key = request.args.get("section") or None
    if key is not None and comments.template_of(plan, version).section(key) is None:
        abort(404)
    return key


def _place_of(thread: CommentThread) -> Place:
    """The page a thread's form was shown on (its hidden fields), else the thread's own section."""
    plan = thread.plan
    version = thread.version
    view = request.form.get("view")
    if view == "":
        version = None
    elif view is not None and view.isascii() and view.isdigit() and len(view) <= 9:
        found = db.session.scalars(
            select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == int(view))
        ).one_or_none()
        version = found or version
    section = request.form.get("section", "")
    if section and comments.template_of(plan, version).section(section) is None:
        section = thread.section_key
    return Place(plan, version, section or None)


# --- the comments of a draft or a version -------------------------------------------------------------------


@bp.route("/plans/<int:plan_id>/comments", methods=["GET", "POST"])
@role_required(Role.TRAINEE, Role.MENTOR, Role.MANAGER)
def draft_comments(plan_id: int):
    """The threads on the plan's draft (one section with ?section=), and a new thread (POST)."""
    plan = load_commented_plan(plan_id)
    return _comments(Place(plan, None, _section_asked(plan, None)))


@bp.route("/plans/<int:plan_id>/versions/<int:number>/comments", methods=["GET", "POST"])
@role_required(Role.TRAINEE, Role.MENTOR, Role.MANAGER)
def version_comments(plan_id: int, number: int):
    """The threads on one frozen version (one section with ?section=), and a new thread on it (POST)."""
    plan = load_commented_plan(plan_id)
    version = _version(plan, number)
    return _comments(Place(plan, version, _section_asked(plan, version)))


def _comments(place: Place):
    form = _thread_form(place)
    if request.method == "GET":
        return _render_comments(place, form)
    if not can_comment(current_user, place.plan):
        abort(403)
    if form.validate_on_submit():
        section_key, _sep, question_key = (form.about.data or "").partition(":")
        anchor = comments.Anchor(place.plan, place.version, section_key, question_key or None)
        try:
            posted = comments.start_thread(
                anchor, author=current_user, body=form.body.data, quote=form.quote.data, token=form.token.data
            )
        except DomainError as error:
            db.session.rollback()
            if "" in error.errors:
                form.token.data = comments.new_token()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            if is_htmx_fragment_request():
                return _render_comments(place, _thread_form(place, fresh=True, about=form.about.data))
            flash(_("Your comment is posted."), "success")
            return redirect(place.url(posted.thread.id), code=303)
    if is_htmx_fragment_request():
        return _render_comments(place, form)
    return _render_comments(place, form), 422


def _thread_form(place: Place, *, fresh: bool = False, about: str | None = None) -> ThreadForm:
    form = ThreadForm(prefix="new", formdata=None) if fresh else ThreadForm(prefix="new")
    language = get_locale().language
    groups: dict[str, list[tuple[str, str]]] = {}
    for section in place.sections:
        title = section.title(language)
        groups[title] = [(section.key, _("The whole section: %(title)s", title=title))] + [
            (f"{section.key}:{question.key}", _shortened(question.prompt(language)))
            for question in section.questions
        ]
    form.about.choices = next(iter(groups.values())) if place.section_key else groups
    if fresh or not form.about.data:
        form.about.data = about if about and fresh else place.sections[0].key
    return form


def _shortened(text: str) -> str:
    return text if len(text) <= PROMPT_SHOWN else text[: PROMPT_SHOWN - 1].rstrip() + "…"


def _render_comments(place: Place, form: ThreadForm, *, failed: dict[int, dict] | None = None):
    threads = comments.threads_shown(place.plan, place.version, place.section_key)
    markers = _seen(place.plan, threads)
    by_section: dict[str, list[CommentThread]] = {}
    for thread in threads:
        by_section.setdefault(thread.section_key, []).append(thread)
    groups = []
    for section in place.sections:
        found = by_section.get(section.key, [])
        if found or place.section_key:
            groups.append((section, [t for t in found if not t.resolved], [t for t in found if t.resolved]))
    context = _thread_context(place, markers)
    context["failed"] = failed or {}
    return render(
        "mentoring/comments.html",
        fragment="comments",
        place=place,
        groups=groups,
        count=len(threads),
        open_count=sum(1 for thread in threads if not thread.resolved),
        form=form,
        can_start=can_comment(current_user, place.plan),
        oob_badge=is_htmx_fragment_request(),
        **context,
    )


def _seen(plan: BusinessPlan, threads: list[CommentThread]) -> dict[int, int]:
    """How far the person had read each thread before this page (for the "new" marks); the threads are
    then marked read for the people who take part."""
    markers = comments.read_markers(current_user, threads)
    if can_comment(current_user, plan):
        comments.mark_read(current_user, threads, known=markers)
        db.session.commit()
    return markers


def _thread_context(place: Place, markers: dict[int, int]) -> dict[str, Any]:
    return {
        "markers": markers,
        "numbers": comments.version_numbers(place.plan),
        "language": get_locale().language,
        "notices": {},
        "failed": {},
    }


def _render_thread(thread_id: int, place: Place, *, notice: str | None = None, failed: dict | None = None):
    """One thread as its fragment (htmx), read again as it is now."""
    thread = load_thread(thread_id)
    markers = _seen(thread.plan, [thread])
    context = _thread_context(place, markers)
    if notice:
        context["notices"] = {thread.id: notice}
    if failed:
        context["failed"] = {thread.id: failed}
    return render(
        "mentoring/comments.html", fragment="thread", thread=thread, place=place, oob_badge=True, **context
    )


# --- replying, resolving, reopening ------------------------------------------------------------------------


@bp.post("/threads/<int:thread_id>/replies")
@role_required(Role.TRAINEE, Role.MENTOR)
def reply(thread_id: int):
    thread = load_thread(thread_id)
    if not can_reply(current_user, thread):
        abort(403)
    place = _place_of(thread)
    body = (request.form.get("body") or "").replace("\r\n", "\n")
    token = request.form.get("token")
    try:
        comments.reply(thread, author=current_user, body=body, token=token)
    except DomainError as error:
        db.session.rollback()
        failed = {
            "body": body,
            "errors": error.errors,
            "token": comments.new_token() if "" in error.errors else token,
        }
        if is_htmx_fragment_request():
            return _render_thread(thread_id, place, failed=failed)
        return _render_comments(place, _thread_form(place), failed={thread_id: failed}), 422
    db.session.commit()
    if is_htmx_fragment_request():
        return _render_thread(thread_id, place)
    flash(_("Your reply is posted."), "success")
    return redirect(place.url(thread_id), code=303)


@bp.post("/threads/<int:thread_id>/resolve")
@role_required(Role.TRAINEE, Role.MENTOR)
def resolve(thread_id: int):
    return _change_state(thread_id, ThreadEventKind.RESOLVED)


@bp.post("/threads/<int:thread_id>/reopen")
@role_required(Role.TRAINEE, Role.MENTOR)
def reopen(thread_id: int):
    return _change_state(thread_id, ThreadEventKind.REOPENED)


def _change_state(thread_id: int, kind: ThreadEventKind):
    """Resolve or reopen from the state the page showed (its `seen` sequence). A page out of date, or a
    change that lost the race to another person, changes nothing and says who changed the thread."""
    thread = load_thread(thread_id)
    allowed = can_resolve if kind == ThreadEventKind.RESOLVED else can_reopen
    if not allowed(current_user, thread):
        abort(403)
    place = _place_of(thread)
    seen_text = request.form.get("seen", "")
    seen = int(seen_text) if seen_text.isascii() and seen_text.isdigit() and len(seen_text) <= 9 else None
    notice = None
    try:
        comments.change_state(thread, kind, actor=current_user, seen=seen)
    except DomainError as error:
        db.session.rollback()
        notice = error.errors.get("") or next(iter(error.errors.values()))
    else:
        db.session.commit()
    if is_htmx_fragment_request():
        return _render_thread(thread_id, place, notice=notice)
    if notice:
        flash(notice, "error")
    elif kind == ThreadEventKind.RESOLVED:
        flash(_("The thread is resolved."), "success")
    else:
        flash(_("The thread is open again."), "success")
    return redirect(place.url(thread_id), code=303)


# --- template helpers ---------------------------------------------------------------------------------------


def thread_timeline(thread: CommentThread) -> list[tuple[str, Any]]:
    """The thread's comments and its resolve and reopen events, in the order they happened."""

    def moment(pair: tuple[str, Any]) -> tuple[datetime, int]:
        kind, item = pair
        at = item.created_at if kind == "comment" else item.occurred_at
        return as_utc(at), 0 if kind == "comment" else 1

    items = [("comment", c) for c in thread.comments] + [("event", e) for e in thread.events]
    return sorted(items, key=moment)


def comment_html(comment: ThreadComment, limit: int | None = None) -> Markup:
    """A comment's text as HTML: everything escaped first, then the people it mentions highlighted and its
    line breaks kept. `limit` cuts it to that many characters (an excerpt), never inside a mention."""
    text = comment.body
    cut = len(text) if limit is None or len(text) <= limit else limit
    parts: list[Markup] = []
    position = 0
    for mention in comment.mentions:
        start, end = mention.start, mention.end
        if start < position or end > len(text) or start >= cut:
            continue
        cut = max(cut, end) if start < cut < end else cut
        parts.append(_lines(text[position:start]))
        parts.append(Markup('<mark class="mention">{}</mark>').format(text[start:end]))
        position = end
    parts.append(_lines(text[position:cut]))
    if cut < len(text):
        parts.append(escape("…"))
    return Markup("").join(parts)


def _lines(text: str) -> Markup:
    """Plain text escaped, its line breaks as <br>."""
    return Markup("<br>\n").join(escape(line) for line in text.split("\n"))


bp.add_app_template_filter(comment_html)
bp.add_app_template_global(thread_timeline)
bp.add_app_template_global(comments.new_token, "new_token")
for _predicate in (can_comment, can_read_comments, can_reply, can_resolve, can_reopen):
    bp.add_app_template_global(_predicate)
