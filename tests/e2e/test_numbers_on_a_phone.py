"""The cash-flow page of a plan on a 360 px phone, in Italian and in Arabic, with amounts of nine digits
and cash far below zero: what the newcomer's walk tripped on.

- Scrolled sideways, the month-by-month table keeps the month and the cash at month end in view.
- Chart labels are at least 11 px tall, and none overlaps another (the month labels, the amounts).
- A negative amount on the chart's axis reads "-10,000 €", minus first, in Arabic too.
- No result spills out of its box.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_plan_in_a_browser import PHONE_WIDTH, assert_fits_phone, log_in
from tests.support import make_person
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.plans import services

pytestmark = pytest.mark.e2e

#: Drawn labels: their rendered font size (the viewBox is scaled to the chart's width), and their boxes.
CHART_LABELS = """() => [...document.querySelectorAll("svg.chart")].map((svg) => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll("text")]
    .filter((t) => getComputedStyle(t).display !== "none")
    .map((t) => {
      const r = t.getBoundingClientRect();
      return {text: t.textContent, size: parseFloat(getComputedStyle(t).fontSize) * scale,
              left: r.left, right: r.right, top: r.top, bottom: r.bottom,
              axis: t.closest(".axis-x") ? "x" : "y"};
    });
})"""

#: After scrolling the table's box to the middle: where the month and the closing cash of a row are.
TABLE_IN_VIEW = """() => {
  const box = document.querySelector(".table-scroll");
  const row = box.querySelector("tbody tr:nth-child(18)");
  const inside = (el) => {
    const b = box.getBoundingClientRect(), r = el.getBoundingClientRect();
    return r.left >= b.left - 0.5 && r.right <= b.right + 0.5;
  };
  const month = row.querySelector("th"), closing = row.querySelector("td.closing");
  const middle = row.querySelector("td:nth-of-type(5)");
  const covered = (el) => {  // what is drawn at the middle of the cell: the cell itself, not another one
    const r = el.getBoundingClientRect();
    const top = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    return !(top === el || el.contains(top));
  };
  return {scrollable: box.scrollWidth > box.clientWidth, monthInside: inside(month),
          closingInside: inside(closing), monthCovered: covered(month), closingCovered: covered(closing),
          middleInside: inside(middle), month: month.textContent, closing: closing.textContent};
}"""

FIGURES_FIT = """() => [...document.querySelectorAll(".key-figures > div")].map((box) => {
  const b = box.getBoundingClientRect();
  return [...box.querySelectorAll("dt, dd")].every((el) => {
    const r = el.getBoundingClientRect();
    return el.scrollWidth <= el.clientWidth + 0.5 && r.left >= b.left - 0.5 && r.right <= b.right + 0.5;
  });
})"""


def overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"] - 0.5
        and b["left"] < a["right"] - 0.5
        and a["top"] < b["bottom"] - 0.5
        and (b["top"] < a["bottom"] - 0.5)
    )


@pytest.mark.parametrize("language", ["it", "ar"])
def test_the_cash_flow_page_reads_well_on_a_phone(phone: Page, app_context, language: str) -> None:
    trainee = make_person(f"fatou.{language}@example.org", [Role.TRAINEE], "Fatou Ndiaye", locale=language)
    plan = services.create_plan(owner=trainee, business_type="food", title="La Cucina", from_example=True)
    streams = [
        dict(s, units_per_month=float(s["units_per_month"]) * 1000)
        for s in plan.assumptions["revenue_streams"]
    ]
    plan.assumptions = {
        **plan.assumptions,
        "revenue_streams": streams,  # sales of millions a month: results of nine digits
        "startup_costs": [{"name": "Laboratorio", "amount": 9_000_000}],  # cash deep below zero at first
    }
    db.session.commit()
    result, _error = services.projection_of(plan.assumptions)
    assert min(result.table["closing_cash"]) < -1_000_000
    assert max(result.table["closing_cash"]) > 100_000_000

    log_in(phone, trainee)
    phone.goto(f"/plans/{plan.id}/sections/cashflow")
    expect(phone.locator("table.cashflow")).to_be_visible()
    assert_fits_phone(phone, f"cash flow ({language})")

    charts = phone.evaluate(CHART_LABELS)
    assert len(charts) == 2
    for labels in charts:
        assert labels, "no labels drawn"
        small = [(label["text"], round(label["size"], 1)) for label in labels if label["size"] < 11]
        assert not small, f"labels under 11 px: {small}"
        for index, label in enumerate(labels):
            for other in labels[index + 1 :]:
                assert not overlap(label, other), f"{label['text']!r} overlaps {other['text']!r}"
        amounts = [label["text"] for label in labels if label["axis"] == "y"]
        negatives = [text for text in amounts if "-" in text]
        assert all(text.startswith("-") for text in negatives), negatives
    assert any("-" in label["text"] for label in charts[0])  # the cash chart goes below zero

    box = phone.locator(".table-scroll")
    box.scroll_into_view_if_needed()
    box.evaluate("(el) => { el.scrollLeft = (getComputedStyle(el).direction === 'rtl' ? -1 : 1) * 300; }")
    seen = phone.evaluate(TABLE_IN_VIEW)
    assert seen["scrollable"]
    assert seen["monthInside"], seen
    assert seen["closingInside"], seen
    assert not seen["monthCovered"], seen
    assert not seen["closingCovered"], seen
    assert seen["month"].split()[0] == "18"

    assert all(phone.evaluate(FIGURES_FIT)), "a figure spills out of its box"
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE_WIDTH

    # The printable plan too: its cash-flow tables scroll inside their boxes.
    phone.goto(f"/plans/{plan.id}/print")
    expect(phone.locator("table.statement").first).to_be_visible()
    assert_fits_phone(phone, f"printable plan ({language})")
    assert all(phone.evaluate(FIGURES_FIT)), "a figure spills out of its box"
    assert phone.console_errors == []


#: Every table of the printed cash-flow statement, and whether it shows all its columns inside the page.
STATEMENT_FITS = """() => {
  const main = document.querySelector("main").getBoundingClientRect();
  const inside = (el) => {
    const r = el.getBoundingClientRect();
    return r.left >= main.left - 0.5 && r.right <= main.right + 0.5 && el.scrollWidth <= el.clientWidth + 0.5;
  };
  return [...document.querySelectorAll("table.statement")].map((table) => ({
    columns: table.rows[0].cells.length,
    inside: inside(table),
    cellsInside: [...table.querySelectorAll("th, td")].every(inside),
  }));
}"""


@pytest.mark.parametrize(("language", "scale"), [("it", 1), ("ar", 1), ("it", 1000)])
def test_the_printable_plan_shows_every_cash_flow_column_at_desk_width(
    browser, live_server: str, app_context, language: str, scale: int
) -> None:
    """At 1280 px the printable plan shows the cash flow by year, then the months in blocks: every column
    in view, whatever the amounts (nine-digit ones come in narrower blocks)."""
    trainee = make_person(f"desk.{language}.{scale}@example.org", [Role.TRAINEE], locale=language)
    plan = services.create_plan(owner=trainee, business_type="food", title="La Cucina", from_example=True)
    streams = [
        dict(s, units_per_month=float(s["units_per_month"]) * scale)
        for s in plan.assumptions["revenue_streams"]
    ]
    plan.assumptions = {**plan.assumptions, "revenue_streams": streams}
    db.session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server)
    page = context.new_page()
    log_in(page, trainee)
    page.goto(f"/plans/{plan.id}/print")
    tables = page.evaluate(STATEMENT_FITS)
    context.close()
    months = plan.assumptions["months"]
    assert len(tables) >= 1 + months // 12
    assert sum(table["columns"] - 1 for table in tables[1:]) >= months  # every month is in a block
    assert all(table["inside"] and table["cellsInside"] for table in tables), tables
    if scale > 1:
        assert max(table["columns"] for table in tables) < 13  # long amounts: blocks of fewer months
