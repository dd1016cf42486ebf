"""The page-or-fragment renderer every view uses.

A page template is one file; its {% block %}s double as htmx fragments (jinja2-fragments), so a page and
its fragments never drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Response, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx_fragment_request() -> bool:
    """A non-boosted htmx request wants a fragment; a boosted one (a plain link or form) wants the page."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render(template_name: str, fragment: str | None = None, **context: Any) -> str:
    """Render the page, or only its block `fragment` when htmx asks for a fragment."""
    if fragment and is_htmx_fragment_request():
        return render_block(template_name, fragment, **context)
    return render_template(template_name, **context)


def download(content: bytes | Iterable[bytes], mimetype: str, filename: str) -> Response:
    """A file to save (CSV, XLSX, PDF, ZIP) under `filename`, never kept by a cache. `content` is the file, or
    its parts as they are made: then the response streams them, without a length."""
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
