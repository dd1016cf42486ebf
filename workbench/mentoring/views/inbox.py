"""The inbox: what waits for the person, whatever their role. Its count shows in the navigation (the
blueprint registers the link, web.navigation shows it)."""

from __future__ import annotations

from flask_babel import get_locale, ngettext
from flask_login import current_user, login_required

from workbench.mentoring.inbox import assigned_to, inbox_count, mentions_of, unread_threads
from workbench.mentoring.views import bp
from workbench.plans.catalogue import business_type_of
from workbench.web.templating import render


@bp.get("/inbox")
@login_required
def inbox():
    return render(
        "mentoring/inbox.html",
        unread=unread_threads(current_user),
        mentions=mentions_of(current_user),
        assigned=assigned_to(current_user),
        language=get_locale().language,
    )


def section_title(thread, language: str) -> str:
    """The title of a thread's section in its plan's template (its key, if the template has none)."""
    section = business_type_of(thread.plan).section(thread.section_key)
    return section.title(language) if section else thread.section_key


def inbox_badge_label(count: int) -> str:
    return ngettext("%(num)d waiting for you", "%(num)d waiting for you", count)


bp.add_app_template_global(section_title, "thread_section_title")

__all__ = ["inbox", "inbox_badge_label", "inbox_count"]
