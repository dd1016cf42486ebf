"""The audit log managers read at /programme/audit: filters on crafted events (person who acted, person the
event is about, object, action, period at the day's edges in Europe/Rome), keyset pages that stay put when
new events arrive, values escaped, managers only, and exports holding what the page shows."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import insert

from tests.support import error_fields, field_value, login_as
from workbench.audit.labels import ACTION_LABELS, OBJECT_KIND_LABELS
from workbench.audit.log import PER_PAGE, changed_fields, known_kinds
from workbench.audit.models import AuditEvent
from workbench.auth.models import User
from workbench.extensions import db

pytestmark = pytest.mark.usefixtures("english_readers")

URL = "/programme/audit"
ROW = re.compile(r"<tr>\s*<td><time datetime=\"[^\"]+\">.*?</tr>", re.S)


def craft(
    action: str,
    object_type: str,
    object_id: int | None,
    at: datetime,
    actor: User | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> int:
    """An event as the services record it, at a moment of the test's choosing."""
    result = db.session.execute(
        insert(AuditEvent.__table__).values(
            occurred_at=at,
            actor_id=actor.id if actor else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
        )
    )
    return result.inserted_primary_key[0]


def rows(html: str) -> list[str]:
    return ROW.findall(html)


def event_ids(client: FlaskClient, **args) -> list[int]:
    """The crafted events a page lists, by their object id (each crafted event has its own), in order."""
    response = client.get(URL, query_string=args)
    assert response.status_code == 200, response.text
    return [int(n) for n in re.findall(r"Loan #(\d+)", response.text)]


@pytest.fixture
def world(manager: User, trainee: User, mentor: User) -> dict:
    """Three people and events by and about them, on 9 and 10 March 2026 (the clocks change on 29 March)."""
    base = datetime(2026, 3, 9, 12, tzinfo=UTC)
    events = {
        "by_mentor": craft("loan.disbursed", "loan", 1, base, actor=mentor),
        "by_trainee": craft("loan.written_off", "loan", 2, base + timedelta(hours=1), actor=trainee),
        "about_trainee": craft(
            "user.roles_changed", "user", trainee.id, base + timedelta(hours=2), actor=manager
        ),
        "system": craft("loan.rescheduled", "loan", 3, base + timedelta(hours=3)),
    }
    db.session.commit()
    return events


@pytest.mark.signed_in("manager")
def test_the_log_lists_the_newest_first_with_who_what_and_the_object(
    signed_in: FlaskClient, world: dict, trainee: User, mentor: User
) -> None:
    page = signed_in.get(URL)
    assert page.status_code == 200
    listed = [int(n) for n in re.findall(r"Loan #(\d+)", page.text)]
    assert listed == [3, 2, 1]
    html = page.text
    assert f'href="/programme/people/{mentor.id}"' in html
    assert "Marco Bianchi" in html
    assert "system" in html  # the rescheduling was recorded without anybody
    assert str(ACTION_LABELS["loan.disbursed"]) in html
    assert 'href="/loans/1"' in html  # a loan's page
    assert f'href="/programme/people/{trainee.id}">Person #{trainee.id}</a>' in html  # the account's page
    assert html.index("Loan #3") < html.index("Loan #2") < html.index("Loan #1")


@pytest.mark.signed_in("manager")
def test_filter_by_the_person_who_acted_about_them_or_either(
    signed_in: FlaskClient, world: dict, trainee: User, manager: User
) -> None:
    roles_changed = str(ACTION_LABELS["user.roles_changed"])

    def listed(scope: str) -> str:
        page = signed_in.get(URL, query_string={"person": f"#{trainee.id}", "scope": scope, "action": ""})
        assert page.status_code == 200
        return "".join(rows(page.text))

    by = listed("by")
    assert "Loan #2" in by
    assert "Loan #1" not in by
    assert "Loan #3" not in by
    assert roles_changed not in by
    about = listed("about")
    assert roles_changed in about
    assert "Loan #" not in about
    either = listed("either")
    assert roles_changed in either
    assert "Loan #2" in either
    assert "Loan #1" not in either
    # by a part of the name, or of the e-mail, whatever the case
    assert event_ids(signed_in, person="fatou") == [2]
    assert event_ids(signed_in, person="NDIAYE@EXAMPLE") == [2]


@pytest.mark.signed_in("manager")
def test_a_name_several_people_share_shows_them_all_and_offers_each(
    signed_in: FlaskClient, world: dict, trainee: User, mentor: User
) -> None:
    page = signed_in.get(URL, query_string={"person": "example.org"})
    assert page.status_code == 200
    assert [int(n) for n in re.findall(r"Loan #(\d+)", page.text)] == [2, 1]
    assert "People who match" in page.text
    assert f"person=%23{mentor.id}" in page.text


@pytest.mark.signed_in("manager")
def test_a_person_nobody_is_is_said_at_the_field_and_the_other_filters_stay(
    signed_in: FlaskClient, world: dict
) -> None:
    page = signed_in.get(
        URL, query_string={"person": "nobody-at-all", "kind": "loan", "object_id": "2", "since": "2026-03-01"}
    )
    assert page.status_code == 422
    assert error_fields(page.text) == {"person"}
    assert field_value(page.text, "person") == "nobody-at-all"
    assert field_value(page.text, "object_id") == "2"
    assert field_value(page.text, "since") == "2026-03-01"
    assert '<option selected value="loan">' in page.text
    assert "Loan #" not in page.text  # no list filtered by fewer criteria than asked for
    missing = signed_in.get(URL, query_string={"person": "#2147483647"})
    assert missing.status_code == 422
    assert error_fields(missing.text) == {"person"}


@pytest.mark.signed_in("manager")
def test_filter_by_object_and_by_action(signed_in: FlaskClient, world: dict) -> None:
    assert event_ids(signed_in, kind="loan") == [3, 2, 1]
    assert event_ids(signed_in, kind="loan", object_id="2") == [2]
    assert event_ids(signed_in, kind="cohort", object_id="2") == []
    assert event_ids(signed_in, action="loan.disbursed") == [1]
    assert event_ids(signed_in, action="loan.written_off", kind="loan") == [2]
    # a number without its kind, a number that is no number, an action nobody records
    for args, field in (
        ({"object_id": "2"}, "object_id"),
        ({"kind": "loan", "object_id": "٣"}, "object_id"),
        ({"kind": "loan", "object_id": "9" * 12}, "object_id"),
        ({"kind": "no_such_kind"}, "kind"),
        ({"action": "loan.eaten"}, "action"),
        ({"scope": "everybody"}, "scope"),
    ):
        page = signed_in.get(URL, query_string=args)
        assert page.status_code == 422, args
        assert error_fields(page.text) == {field}, args


@pytest.mark.signed_in("manager")
def test_days_are_the_programmes_days_in_europe_rome(signed_in: FlaskClient, manager: User) -> None:
    # 9 March (CET, UTC+1) ends at 23:00 UTC; 29 March, when the clocks go forward (CEST, UTC+2), at 22:00.
    craft("loan.disbursed", "loan", 11, datetime(2026, 3, 8, 22, 59, 59, tzinfo=UTC))  # 8 Mar, 23:59:59
    craft("loan.disbursed", "loan", 12, datetime(2026, 3, 8, 23, 0, 0, tzinfo=UTC))  # 9 Mar, 00:00
    craft("loan.disbursed", "loan", 13, datetime(2026, 3, 9, 22, 59, 59, tzinfo=UTC))  # 9 Mar, 23:59:59
    craft("loan.disbursed", "loan", 14, datetime(2026, 3, 9, 23, 0, 0, tzinfo=UTC))  # 10 Mar, 00:00
    craft("loan.disbursed", "loan", 21, datetime(2026, 3, 28, 22, 59, 59, tzinfo=UTC))  # 28 Mar, 23:59:59
    craft("loan.disbursed", "loan", 22, datetime(2026, 3, 28, 23, 0, 0, tzinfo=UTC))  # 29 Mar, 00:00 CET
    craft("loan.disbursed", "loan", 23, datetime(2026, 3, 29, 21, 59, 59, tzinfo=UTC))  # 29 Mar, 23:59:59
    craft("loan.disbursed", "loan", 24, datetime(2026, 3, 29, 22, 0, 0, tzinfo=UTC))  # 30 Mar, 00:00 CEST
    db.session.commit()
    assert event_ids(signed_in, since="2026-03-09", until="2026-03-09") == [13, 12]
    assert event_ids(signed_in, since="2026-03-09") == [24, 23, 22, 21, 14, 13, 12]
    assert event_ids(signed_in, until="2026-03-09") == [13, 12, 11]
    assert event_ids(signed_in, since="2026-03-29", until="2026-03-29") == [23, 22]
    assert event_ids(signed_in, since="2026-03-30", until="2026-03-30") == [24]
    backwards = signed_in.get(URL, query_string={"since": "2026-03-10", "until": "2026-03-09"})
    assert backwards.status_code == 422
    assert error_fields(backwards.text) == {"until"}
    for bad in ("2026-02-30", "9" * 5000, "0001-01-01"):
        page = signed_in.get(URL, query_string={"since": bad, "kind": "loan"})
        assert page.status_code == 422, bad
        assert error_fields(page.text) == {"since"}, bad


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.mark.signed_in("manager")
def test_pages_stay_put_when_new_events_arrive_between_them(signed_in: FlaskClient, manager: User) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    # 120 events, some sharing a moment (the id breaks the tie), newest = object 120
    for n in range(1, 121):
        craft("loan.disbursed", "loan", n, start + timedelta(minutes=n // 3))
    db.session.commit()
    first = signed_in.get(URL, query_string={"action": "loan.disbursed"})
    assert [int(n) for n in re.findall(r"Loan #(\d+)", first.text)] == list(range(120, 70, -1))
    assert _link(first.text, "prev") is None
    older = _link(first.text, "next")
    assert older
    assert "action=loan.disbursed" in older
    # New events arrive (one at the very moment of the page's last row) before the manager turns the page.
    for n in range(121, 126):
        craft("loan.disbursed", "loan", n, start + timedelta(days=30 + n))
    craft("loan.disbursed", "loan", 999, start + timedelta(minutes=71 // 3))
    db.session.commit()
    second = signed_in.get(older)
    assert [int(n) for n in re.findall(r"Loan #(\d+)", second.text)] == list(range(70, 20, -1))
    third = signed_in.get(_link(second.text, "next"))
    assert [int(n) for n in re.findall(r"Loan #(\d+)", third.text)] == list(range(20, 0, -1))
    assert _link(third.text, "next") is None
    # Back up from the third page: the same second page; from the second: the page just above it (the event
    # recorded at the moment of its last row is now there), and from that one the newest page.
    again = signed_in.get(_link(third.text, "prev"))
    assert [int(n) for n in re.findall(r"Loan #(\d+)", again.text)] == list(range(70, 20, -1))
    above = signed_in.get(_link(again.text, "prev"))
    assert [int(n) for n in re.findall(r"Loan #(\d+)", above.text)] == [*range(119, 71, -1), 999, 71]
    top = signed_in.get(_link(above.text, "prev"))
    listed = [int(n) for n in re.findall(r"Loan #(\d+)", top.text)]
    assert listed == [*range(125, 71, -1), 999, 71][:PER_PAGE]
    assert _link(top.text, "prev") is None
    assert signed_in.get(URL, query_string={"older": 2147483647}).status_code == 404


@pytest.mark.signed_in("manager")
def test_values_people_typed_are_escaped_and_cut(signed_in: FlaskClient, manager: User) -> None:
    craft(
        "plan.answers_saved",
        "business_plan",
        7,
        datetime(2026, 2, 1, tzinfo=UTC),
        actor=manager,
        before={"answer": "<script>alert(1)</script>", "<b>field</b>": 1},
        after={"answer": "<img src=x onerror=alert(2)>" + "x" * 500, "<b>field</b>": 2},
    )
    db.session.commit()
    html = signed_in.get(URL).text
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "<b>field</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;field&lt;/b&gt;" in html
    assert "x" * 100 not in html  # a long value is cut


def test_changed_fields_are_short_json_text() -> None:
    changes = changed_fields({"a": 1, "b": "x"}, {"a": 2, "c": [1, 2]})
    assert [(c.name, c.before, c.after) for c in changes] == [
        ("a", "1", "2"),
        ("b", '"x"', None),
        ("c", None, "[1, 2]"),
    ]
    assert changed_fields(None, None) == []
    assert [(c.name, c.after) for c in changed_fields(None, "plain")] == [("", '"plain"')]
    long = changed_fields(None, {"t": "é" * 500})[0].after
    assert long is not None
    assert len(long) == 80
    assert long.endswith("…")


@pytest.mark.parametrize("role", ["trainee", "mentor", "officer"])
def test_only_managers_read_the_log(
    client: FlaskClient, request: pytest.FixtureRequest, role: str, cohort
) -> None:
    for url in (URL, URL + ".csv", URL + ".xlsx"):
        assert client.get(url).status_code == 302  # to the login page
    login_as(client, request.getfixturevalue(role))
    for url in (URL, URL + ".csv", URL + ".xlsx"):
        assert client.get(url).status_code == 403


@pytest.mark.signed_in("manager")
def test_the_navigation_links_managers_to_the_log(signed_in: FlaskClient) -> None:
    assert f'href="{URL}"' in signed_in.get("/programme").text


@pytest.mark.signed_in("manager")
def test_the_exports_hold_what_the_page_shows(signed_in: FlaskClient, world: dict, trainee: User) -> None:
    craft(
        "loan.written_off",
        "loan",
        5,
        datetime(2026, 3, 9, 18, tzinfo=UTC),
        actor=trainee,
        before={"status": "repaying"},
        after={"status": "=1+1"},
    )
    db.session.commit()
    args = {"person": "fatou", "kind": "loan"}
    page = signed_in.get(URL, query_string=args).text
    assert [int(n) for n in re.findall(r"Loan #(\d+)", page)] == [5, 2]
    assert "/programme/audit.csv?person=fatou&amp;kind=loan" in page
    body = signed_in.get(URL + ".csv", query_string=args)
    assert body.status_code == 200
    assert body.headers["Content-Disposition"].startswith("attachment")
    lines = list(csv.reader(io.StringIO(body.data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:4] == ["When", "Who", "Who (id)", "What happened"]
    assert [line[6] for line in lines[1:]] == ["5", "2"]
    assert lines[1][1] == "Fatou Ndiaye"
    assert lines[1][3] == str(ACTION_LABELS["loan.written_off"])
    assert lines[1][0] == "2026-03-09 19:00:00"  # in Rome
    assert lines[1][7] == 'status: "repaying" → "=1+1"'
    book = load_workbook(io.BytesIO(signed_in.get(URL + ".xlsx", query_string=args).data))
    sheet = book.worksheets[0]
    assert [row[6] for row in sheet.iter_rows(min_row=2, values_only=True)] == [5, 2]
    assert signed_in.get(URL + ".csv", query_string={"since": "nope"}).status_code == 422


def test_every_kind_of_object_has_a_name(app_context: None) -> None:
    kinds = known_kinds()
    assert {"user", "cohort", "loan", "business_plan"} <= set(kinds)
    assert not set(kinds) - set(OBJECT_KIND_LABELS), "name the new kind in OBJECT_KIND_LABELS"


@pytest.mark.signed_in("manager")
def test_a_persons_page_links_to_their_events_in_the_log(signed_in: FlaskClient, trainee: User) -> None:
    page = signed_in.get(f"/programme/people/{trainee.id}").text
    link = re.search(r'<a href="(/programme/audit\?[^"]+)">', page)
    assert link, "the person page links to the log"
    log = signed_in.get(link.group(1).replace("&amp;", "&"))
    assert log.status_code == 200
    assert field_value(log.text, "person") == f"#{trainee.id}"
    assert '<option selected value="either">' in log.text
