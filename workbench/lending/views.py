"""The loan officer's home: applications waiting for a score or a decision."""

from __future__ import annotations

from flask import Blueprint

from workbench.auth.roles import Role
from workbench.web.decorators import role_required
from workbench.web.templating import render

bp = Blueprint("lending", __name__)


@bp.get("/queue")
@role_required(Role.OFFICER)
def queue():
    # Applications arrive with the lending issue; until then the queue is honestly empty.
    return render("lending/queue.html", applications=[])
