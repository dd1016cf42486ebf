"""The funnel's exports hide small groups: every count from 1 to 4 is "<5" and every share that would give
one back is left out, in the CSV and in the spreadsheet; counts of 0 and of 5 or more are written as they are.
The page, for managers only, shows the real counts."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from tests.support import login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.outcomes.exports import HIDDEN_COUNT, is_small, published
from workbench.outcomes.funnel import funnel_of
from workbench.programme.models import Cohort
from workbench.programme.services import complete_training, create_cohort, enrol

pytestmark = pytest.mark.usefixtures("english_readers")


def test_counts_from_one_to_four_are_hidden_and_so_are_the_shares_that_reveal_them() -> None:
    assert [n for n in range(8) if is_small(n)] == [1, 2, 3, 4]
    rows = published(funnel_of([12, 9, 4, 4, 0, 0, 0, 0, 0, 0]))
    assert [row.people for row in rows] == [12, 9, None, None, 0, 0, 0, 0, 0, 0]
    involved, trained, drafted, sent, endorsed, applied = rows[:6]
    assert (involved.from_previous, involved.previous_hidden, involved.from_start) == (
        None,
        False,
        Decimal(1),
    )
    assert (trained.from_previous, trained.from_start) == (Decimal("0.75"), Decimal("0.75"))
    assert drafted.previous_hidden
    assert drafted.start_hidden
    assert sent.previous_hidden
    assert sent.start_hidden
    # 0 of a hidden 4 would give nothing back, but the rule stays simple: a share of a small count is hidden
    assert endorsed.previous_hidden
    assert not endorsed.start_hidden
    assert endorsed.from_start == Decimal(0)
    # nobody at the step before: there is no share, and nothing is hidden
    assert (applied.from_previous, applied.previous_hidden) == (None, False)


def test_a_small_start_hides_every_share_of_it() -> None:
    rows = published(funnel_of([3, 1, 0, 0, 0, 0, 0, 0, 0, 0]))
    assert [row.people for row in rows[:3]] == [None, None, 0]
    assert all(row.start_hidden for row in rows)
    assert not any(row.people_hidden for row in rows[2:])


@pytest.fixture
def small_cohort(manager: User) -> Cohort:
    """Seven people involved, three of whom completed the training, nobody further."""
    cohort = create_cohort(
        name='=HYPERLINK("x") Mestre', city="Mestre", starts_on=None, ends_on=None, actor=None
    )
    for n in range(7):
        user = make_person(f"p{n}@example.org", [Role.TRAINEE], f"Person {n}")
        enrolment = enrol(user, cohort, actor=None)
        if n < 3:
            complete_training(enrolment, manager)
    db.session.commit()
    return cohort


def test_the_page_shows_the_real_counts_and_the_exports_hide_them(
    small_cohort: Cohort, client: FlaskClient, manager: User
) -> None:
    login_as(client, manager)
    page = client.get(f"/programme/funnel?cohort={small_cohort.id}").get_data(as_text=True)
    assert 'data-people="7"' in page
    assert 'data-people="3"' in page
    assert "the real counts" in page

    response = client.get(f"/programme/funnel.csv?cohort={small_cohort.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="funnel-cohort-')
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert lines[0] == ["Cohort", '\'=HYPERLINK("x") Mestre']  # never a formula
    table = lines[lines.index(["Step", "People", "Of the step before", "Of those involved"]) + 1 :]
    assert table[0] == ["Involved", "7", "", "100.0%"]
    assert table[1] == ["Completed the training", HIDDEN_COUNT, "hidden", "hidden"]
    assert table[2] == ["Business plan drafted", "0", "hidden", "0.0%"]
    assert table[3] == ["Plan sent for review", "0", "", "0.0%"]
    assert len(table) == 10
    assert "3" not in {cell for row in table for cell in row[1:]}
    assert any('"<5"' in line[0] for line in lines[:7])  # the rule travels with the file


def test_the_spreadsheet_hides_them_too(small_cohort: Cohort, client: FlaskClient, manager: User) -> None:
    login_as(client, manager)
    response = client.get(f"/programme/funnel.xlsx?cohort={small_cohort.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet["A1"].value == "Programme funnel"
    rows = {row[0].value: row for row in sheet.iter_rows() if row[0].value}
    assert rows["Cohort"][1].value == '=HYPERLINK("x") Mestre'
    assert rows["Cohort"][1].data_type == "s"
    involved = rows["Involved"]
    assert (involved[1].value, involved[3].value, involved[3].number_format) == (7, 1.0, "0.0%")
    trained = rows["Completed the training"]
    assert [cell.value for cell in trained[1:4]] == [HIDDEN_COUNT, "hidden", "hidden"]
    assert trained[1].data_type == "s"
    drafted = rows["Business plan drafted"]
    assert [cell.value for cell in drafted[1:4]] == [0, "hidden", 0.0]
    numbers = [cell.value for row in sheet.iter_rows(min_col=2, max_col=2) for cell in row]
    assert 3 not in numbers


@pytest.mark.parametrize("export", ["funnel.csv", "funnel.xlsx"])
def test_exports_are_for_managers_only(client: FlaskClient, mentor: User, officer: User, export: str) -> None:
    for person in (mentor, officer):
        login_as(client, person)
        assert client.get(f"/programme/{export}").status_code == 403
