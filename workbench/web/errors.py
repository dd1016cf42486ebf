"""Friendly, translated error pages. An expired form is offered again with what the person typed."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from workbench.extensions import db

ERROR_TEXTS = {
    400: (_l("Something in the request was wrong"), _l("Go back, check what you sent and try again.")),
    403: (
        _l("This page is not for your role"),
        _l("If you think you should see it, ask your programme manager to give you access."),
    ),
    404: (
        _l("We could not find this page"),
        _l("The link may be old or mistyped. Start again from your home page."),
    ),
    405: (
        _l("This action cannot be done this way"),
        _l("Use the buttons on the page instead of typing the address."),
    ),
    413: (
        _l("What you sent is too large"),
        _l("Send a smaller file or shorter text. Files may be at most 4 MB."),
    ),
    429: (_l("Too many attempts"), _l("Wait a minute before trying again.")),
    500: (
        _l("Something went wrong on our side"),
        _l(
            "Nothing you saved before is lost. Try again in a moment; "
            "if it happens again, tell your programme manager."
        ),
    ),
}

#: Fields never sent back to the browser when a form is offered again.
SECRET_FIELDS = frozenset({"csrf_token", "password", "new_password", "confirm", "password_confirm"})


def init_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_expired(error: CSRFError):
        kept = [(k, v) for k, v in request.form.items(multi=True) if k not in SECRET_FIELDS]
        return render_template("errors/csrf.html", kept=kept, action=request.full_path.rstrip("?")), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        title, advice = ERROR_TEXTS.get(code, (error.name, error.description))
        return render_template("errors/error.html", code=code, title=title, advice=advice), code

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        db.session.rollback()
        title, advice = ERROR_TEXTS[500]
        return render_template("errors/error.html", code=500, title=title, advice=advice), 500
