"""Writing an e-mail from its templates, in the recipient's language, with absolute links.

A kind of mail is one template, ``templates/mail/<kind>.txt``, extending ``mail/_layout.txt``:

- ``{% block subject %}`` is the subject line (one line: line breaks and control characters typed by anyone
  become spaces, so no text can add a header);
- ``{% block content %}`` is what the mail says; the layout adds the greeting and the footer around it. The
  daily digest gathers the content blocks of the day's notifications under one greeting;
- ``link(endpoint, **values)`` gives an absolute URL on BASE_URL (never the Host of a request).

The HTML part is ``templates/mail/<kind>.html`` when the kind has one, else the text laid out in paragraphs
(escaped, web addresses made links) in ``mail/_layout.html``, right to left for Arabic. Templates ending in
.txt are not HTML-escaped (they are plain text); .html ones are.

Rendering needs the app (templates, translations) but no request: notify() renders in the request of the
event, the worker renders the digests from the command line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from markupsafe import Markup, escape

from workbench.auth.models import User
from workbench.config import LANGUAGES, RTL_LANGUAGES

#: Longest subject kept (RFC 5322 recommends lines under 78 characters; the header is folded when longer).
SUBJECT_LENGTH = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BLANK_LINES = re.compile(r"\n{3,}")
_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    #: The content block alone, which a digest gathers.
    digest_text: str


def absolute_url(endpoint: str, **values: Any) -> str:
    """The app's URL for `endpoint` on BASE_URL, inside or outside a request."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def mail_domain() -> str:
    """The right-hand side of Message-IDs: the app's host name."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "workbench.localhost"


def locale_for(user: User) -> str:
    """The language a person reads: their choice, else the programme's default (never the sender's)."""
    return user.locale if user.locale in LANGUAGES else current_app.config["BABEL_DEFAULT_LOCALE"]


def one_line(text: str, limit: int = SUBJECT_LENGTH) -> str:
    """Text fit for a header: control characters and line breaks become spaces, runs of space one, cut to
    `limit` characters."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def render_mail(kind: str, locale: str, **context: Any) -> Rendered:
    """Subject, text, HTML and digest text of `kind` in `locale`; the context is the template's."""
    env = current_app.jinja_env
    values = {"link": absolute_url, "locale": locale, **context}
    with force_locale(locale):
        template = env.get_template(f"mail/{kind}.txt")
        subject = one_line(_block(template, "subject", values))
        text = tidy(template.render(values))
        digest_text = tidy(_block(template, "content", values))
        html = render_html(kind, locale, subject, text, values)
    return Rendered(subject=subject, text=text, html=html, digest_text=digest_text)


def render_html(kind: str, locale: str, subject: str, text: str, values: dict[str, Any]) -> str:
    env = current_app.jinja_env
    try:
        template = env.get_template(f"mail/{kind}.html")
    except TemplateNotFound:
        template = env.get_template("mail/_layout.html")
    return template.render(
        values,
        subject=subject,
        paragraphs=paragraphs(text),
        direction="rtl" if locale in RTL_LANGUAGES else "ltr",
        linkify=linkify,
    )


def tidy(text: str) -> str:
    """Plain text as a mail carries it: no trailing spaces, at most one blank line in a row, one final
    newline. A line of "-- " (the signature separator) keeps its space."""
    lines = [line if line == "-- " else line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n") + "\n"


def paragraphs(text: str) -> list[list[str]]:
    """The text's paragraphs (split on blank lines), each a list of lines."""
    return [block.split("\n") for block in text.strip("\n").split("\n\n") if block.strip()]


def linkify(line: str) -> Markup:
    """One line of text as HTML: escaped first, then its web addresses made links."""
    escaped = str(escape(line))
    return Markup(_WEB_ADDRESS.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped))  # noqa: S704


def _block(template: Any, name: str, values: dict[str, Any]) -> str:
    render = template.blocks.get(name)
    if render is None:
        raise LookupError(f"{template.name} has no {{% block {name} %}}")
    return "".join(render(template.new_context(values)))
