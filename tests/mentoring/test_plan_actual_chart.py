"""The plan-against-actual chart: bars for the months entered, the plan as a line through the months it
covers, one scale for both, and an SVG with amounts and months only (the words are in the HTML legend)."""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale

from workbench.plans.charts import bars_and_line_chart

D = Decimal
MONTHS = ("2026-10", "2026-11", "2026-12", "2027-01")
SVG = "{http://www.w3.org/2000/svg}"


def test_bars_only_for_the_months_entered_and_the_line_through_the_plan() -> None:
    bars = [D(-300), None, D(900), None]
    chart = bars_and_line_chart("plan_actual_cash", MONTHS, bars, [D(200), D(400), D(600), None])
    assert [(bar.month, bar.label, bar.value, bar.negative) for bar in chart.bars] == [
        (1, "2026-10", D(-300), True),
        (3, "2026-12", D(900), False),
    ]
    (plan,) = chart.series
    assert plan.name == "plan"
    assert plan.values == (D(200), D(400), D(600))
    centres = {bar.month: bar.x + bar.width / 2 for bar in chart.bars}
    assert plan.coords[0][0] == pytest.approx(centres[1], abs=0.02)  # each point above its month
    assert plan.coords[2][0] == pytest.approx(centres[3], abs=0.02)
    # One scale for both: the lowest tick is below the lowest bar, the highest above the highest value.
    assert chart.y_ticks[0].value <= D(-300)
    assert chart.y_ticks[-1].value >= D(900)
    assert (chart.low, chart.low_month, chart.high, chart.high_month) == (D(-300), 1, D(900), 3)


def test_without_any_month_entered_the_plan_alone_is_drawn() -> None:
    chart = bars_and_line_chart("plan_actual_sales", MONTHS, [None] * 4, [D(100), D(200), D(300), D(400)])
    assert chart.bars == ()
    assert (chart.low, chart.low_month, chart.high, chart.high_month) == (D(100), 1, D(400), 4)


def test_values_for_every_month_are_required() -> None:
    with pytest.raises(ValueError, match="one value"):
        bars_and_line_chart("plan_actual_sales", MONTHS, [D(1)], [D(1)] * 4)


def svg_of(html: str) -> ET.Element:
    match = re.search(r"<svg class=\"chart .*?</svg>", html, re.S)
    assert match, "no chart svg"
    return ET.fromstring(match.group(0))  # noqa: S314 - our own template's output


@pytest.mark.parametrize("language", ["it", "ar"])
def test_the_svg_holds_amounts_and_months_only(app: Flask, app_context: None, language: str) -> None:
    chart = bars_and_line_chart("plan_actual_cash", MONTHS, [D(-300), D(50), D(900), None], [D(200)] * 4)
    source = (
        '{% from "_macros/actuals.html" import plan_actual_chart %}'
        '{{ plan_actual_chart(c, "Cash <b>", "Actual", "Plan") }}'
    )
    with app.test_request_context(), force_locale(language):
        html = render_template_string(source, c=chart)
    assert "style=" not in html
    assert "<script" not in html
    assert "Cash &lt;b&gt;" in html  # the title is text
    svg = svg_of(html)
    assert len(svg.findall(f"{SVG}g[@class='bars']/{SVG}rect")) == 3
    assert len(svg.findall(f"{SVG}polyline")) == 1
    for text in (element.text or "" for element in svg.iter(SVG + "text")):
        assert not [c for c in text if unicodedata.category(c).startswith("L")], text
        assert "\u200f" not in text
    # The legend (HTML) names the bars and the line.
    legend = html[html.index('<ul class="chart-legend">') :]
    assert "Actual" in legend
    assert "Plan" in legend
