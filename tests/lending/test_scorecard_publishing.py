"""Managers publish new versions of the scorecard from its page: the weights add up to 100, a version
published meanwhile by someone else is not overwritten (their figures stay on the page), and scores keep
their version."""

from __future__ import annotations

import pytest

from tests.concurrency import at_once
from tests.support import audit_events, login_as, make_person
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending.scorecard import (
    CRITERIA,
    DEFAULT_WEIGHTS,
    current_scorecard,
    publish_scorecard,
)
from workbench.lending.scorecard_models import ScorecardVersion

pytestmark = pytest.mark.usefixtures("english_readers")

#: The default weights with 5 points moved from plan completeness to the DSCR.
MOVED = {
    **DEFAULT_WEIGHTS,
    "dscr": DEFAULT_WEIGHTS["dscr"] + 5,
    "completeness": DEFAULT_WEIGHTS["completeness"] - 5,
}


def _form(weights: dict[str, int], revision: int, recommend_from: int = 70, discuss_from: int = 50) -> dict:
    data = {f"weight_{key}": str(weights.get(key, 0)) for key in CRITERIA}
    data.update(revision=str(revision), recommend_from=str(recommend_from), discuss_from=str(discuss_from))
    return data


def test_a_manager_publishes_a_version_made_from_the_one_in_force(manager) -> None:
    first = current_scorecard()
    version = publish_scorecard(MOVED, 75, 50, based_on=first.number, actor=manager)
    db.session.commit()
    assert version.number == first.number + 1
    assert {row["key"]: row["weight"] for row in version.criteria}["dscr"] == 25
    assert current_scorecard().number == version.number
    assert [e.object_id for e in audit_events("scorecard.version_created")][-1] == version.id


def test_a_version_from_a_stale_page_or_with_nothing_changed_is_refused(manager) -> None:
    first = current_scorecard()
    publish_scorecard(MOVED, 70, 50, based_on=first.number, actor=manager)
    with pytest.raises(DomainError, match="published version 2"):
        publish_scorecard(DEFAULT_WEIGHTS, 70, 50, based_on=first.number, actor=manager)
    with pytest.raises(DomainError, match="Nothing changed"):
        publish_scorecard(MOVED, 70, 50, based_on=2, actor=manager)
    with pytest.raises(DomainError, match="add up to 95"):
        publish_scorecard({**MOVED, "dscr": 20}, 70, 50, based_on=2, actor=manager)
    with pytest.raises(DomainError):
        publish_scorecard(MOVED, 50, 60, based_on=2, actor=manager)  # discuss above recommend


def test_the_page_publishes_keeps_typed_weights_on_errors_and_on_a_stale_version(client, manager) -> None:
    login_as(client, manager)
    page = client.get("/products/scorecard").get_data(as_text=True)
    assert "Version 1" in page
    assert "Now they add up to 100." in page
    wrong = client.post("/products/scorecard", data=_form({**MOVED, "market": 13}, 1))
    assert wrong.status_code == 422
    text = wrong.get_data(as_text=True)
    assert "The weights add up to 103" in text
    assert 'value="13"' in text
    assert client.post("/products/scorecard", data=_form(MOVED, 1)).status_code == 303
    assert current_scorecard().number == 2
    # A second tab still shows version 1: its weights are kept, with version 2's number to publish over it.
    stale = client.post("/products/scorecard", data=_form({**DEFAULT_WEIGHTS, "market": 10}, 1, 80))
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert "published version 2" in text
    assert 'value="80"' in text
    assert 'name="revision" type="hidden" value="2"' in text
    assert client.post("/products/scorecard", data=_form(DEFAULT_WEIGHTS, 2, 80)).status_code == 303
    assert current_scorecard().recommend_from == 80


def test_two_managers_publishing_at_once_publish_one_version(app, manager) -> None:
    other = make_person("second.manager@example.org", [Role.MANAGER], "Second Manager")
    current_scorecard()
    db.session.commit()
    ids = (manager.id, other.id)

    def publishing(person_id: int, weights: dict[str, int]) -> str:
        from workbench.auth.models import User

        try:
            publish_scorecard(weights, 70, 50, based_on=1, actor=db.session.get(User, person_id))
            db.session.commit()
            return "published"
        except DomainError:
            db.session.rollback()
            return "told"

    results = at_once(
        app, lambda: publishing(ids[0], MOVED), lambda: publishing(ids[1], {**MOVED, "tutoring": 5})
    )
    assert sorted(results) == ["published", "told"]
    assert db.session.query(ScorecardVersion).count() == 2
