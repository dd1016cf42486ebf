"""The manager's scorecard: the version in force, the earlier ones, and a new version to publish.

Without JavaScript the form posts and redirects (303); weights that do not add up to 100 come back with the
message and what was typed (422); a version published by someone else meanwhile comes back with the message,
the typed weights and the new version's number on the form (409), so publishing again is a conscious choice.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending.product_forms import ScorecardForm, scorecard_form_data
from workbench.lending.scorecard import (
    BAND_LABELS,
    CRITERIA,
    current_scorecard,
    publish_scorecard,
    scorecard_versions,
)
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error, keep_typed_over_stale
from workbench.web.templating import render

from . import bp


@bp.route("/products/scorecard", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def scorecard():
    current = current_scorecard()
    db.session.commit()  # version 1, when this is the first page that needed it
    form = ScorecardForm(data=scorecard_form_data(current)) if request.method == "GET" else ScorecardForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                version = publish_scorecard(
                    form.weights(),
                    form.recommend_from.data,
                    form.discuss_from.data,
                    based_on=form.revision.data,
                    actor=current_user,
                )
            except DomainError as error:
                db.session.rollback()
                current = current_scorecard()
                if "" in error.errors and form.revision.data != current.number:
                    keep_typed_over_stale(form, error, current.number)
                    status = 409
                else:
                    apply_domain_error(form, error)
            else:
                db.session.commit()
                flash(
                    _(
                        "Version %(n)d of the scorecard is published: the next scores use it, the earlier "
                        "ones keep theirs.",
                        n=version.number,
                    ),
                    "success",
                )
                return redirect(url_for("lending.scorecard"), code=303)
    typed = sum(field.data for _key, field in form.weight_fields() if isinstance(field.data, int))
    return render(
        "lending/scorecard.html",
        form=form,
        current=current,
        versions=scorecard_versions(),
        criteria=CRITERIA,
        band_labels=BAND_LABELS,
        typed_total=typed,
    ), status
