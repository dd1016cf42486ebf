"""A loan's contract on a 360 px phone, in Arabic and in Italian: nothing sticks out of the page, the
schedule scrolls in its own box with every column, and the two rates sit side by side."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_plan_in_a_browser import PHONE_WIDTH, assert_fits_phone, log_in
from tests.factories import disbursed_loan
from workbench.auth.models import User
from workbench.extensions import db

pytestmark = pytest.mark.e2e

RATES_AND_SCHEDULE = """() => {
  const boxes = [...document.querySelectorAll(".rate-pair .rate")];
  const [tan, taeg] = boxes.map((box) => box.getBoundingClientRect());
  const box = document.querySelector(".table-scroll");
  const headings = [...box.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  return {sideBySide: Math.abs(tan.top - taeg.top) < 1 && tan.width > 100 && taeg.width > 100,
          tanFirst: document.dir === "rtl" ? tan.left > taeg.left : tan.left < taeg.left,
          columns: headings.length, rows: box.querySelectorAll("tbody tr").length,
          scrolls: box.scrollWidth >= box.clientWidth, direction: document.dir};
}"""


@pytest.mark.parametrize("language", ["ar", "it"])
def test_the_contract_fits_a_phone(phone: Page, trainee: User, language: str) -> None:
    loan = disbursed_loan(trainee)
    trainee.locale = language
    db.session.commit()
    log_in(phone, trainee)
    phone.goto(f"/loans/{loan.id}/contract")
    expect(phone.locator("h1")).to_be_visible()
    assert_fits_phone(phone, f"contract in {language}")
    found = phone.evaluate(RATES_AND_SCHEDULE)
    assert found["sideBySide"], found
    assert found["tanFirst"], found
    assert found["columns"] == 6, found
    assert found["rows"] == 36, found
    assert found["direction"] == ("rtl" if language == "ar" else "ltr")
    assert PHONE_WIDTH == 360
    assert not phone.console_errors
