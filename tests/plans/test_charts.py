"""Chart geometry (pure: assumptions -> projection -> coordinates) and the SVG the macros draw from it."""

from __future__ import annotations

import itertools
import re
import unicodedata
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale

from tests.factories import assumptions
from workbench.finance import ProjectionResult, project
from workbench.plans.charts import (
    HEIGHT,
    WIDTH,
    Chart,
    cash_chart,
    nice_ticks,
    revenue_costs_chart,
)

NICE_MULTIPLES = {Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)}


def check_ticks(chart: Chart) -> None:
    """Ticks ascend by one round step, include 0, and sit inside the plot from bottom (lowest) to top."""
    values = [tick.value for tick in chart.y_ticks]
    assert values == sorted(values)
    assert len(set(values)) == len(values) >= 2
    assert Decimal(0) in values
    steps = {b - a for a, b in itertools.pairwise(values)}
    assert len(steps) == 1
    step = steps.pop()
    assert step.scaleb(-step.adjusted()).normalize() in NICE_MULTIPLES
    plot = chart.plot
    assert chart.y_ticks[0].y == pytest.approx(plot.bottom)
    assert chart.y_ticks[-1].y == pytest.approx(plot.top)
    assert plot.top <= chart.zero_y <= plot.bottom
    zero_tick = next(tick for tick in chart.y_ticks if tick.value == 0)
    assert zero_tick.y == pytest.approx(chart.zero_y)


def check_inside(chart: Chart) -> None:
    plot = chart.plot
    assert 0 < plot.left < plot.right <= chart.width
    assert 0 < plot.top < plot.bottom <= chart.height
    for bar in chart.bars:
        assert plot.left <= bar.x
        assert bar.x + bar.width <= plot.right + 0.01
        assert plot.top - 0.01 <= bar.y
        assert bar.y + bar.height <= plot.bottom + 0.01
    for series in chart.series:
        for x, y in series.coords:
            assert plot.left <= x <= plot.right
            assert plot.top - 0.01 <= y <= plot.bottom + 0.01


def centre(chart: Chart, month: int) -> float:
    return chart.plot.left + (month - 0.5) * chart.plot.width / len(chart.months)


def value_at(chart: Chart, y: float) -> Decimal:
    """Invert the y scale, to check that a drawn point stands for the right amount."""
    low, high = chart.y_ticks[0].value, chart.y_ticks[-1].value
    share = (chart.plot.bottom - y) / chart.plot.height
    return low + (high - low) * Decimal(str(share))


def test_the_cash_chart_has_one_bar_per_month_flagged_below_zero() -> None:
    result = project(assumptions("growing"))
    closing = result.table["closing_cash"]
    assert any(v < 0 for v in closing)
    assert any(v > 0 for v in closing)

    chart = cash_chart(result)

    assert (chart.width, chart.height, chart.view_box) == (WIDTH, HEIGHT, f"0 0 {WIDTH} {HEIGHT}")
    assert chart.kind == "cash"
    assert len(chart.bars) == len(result.months) == 24
    assert [bar.negative for bar in chart.bars] == [v < 0 for v in closing]
    assert [bar.value for bar in chart.bars] == list(closing)
    assert [bar.label for bar in chart.bars] == list(result.months)
    assert [bar.month for bar in chart.bars] == list(range(1, 25))
    for bar in chart.bars:
        # Bars grow up from the zero line, or hang down from it.
        edge = bar.y + bar.height if not bar.negative else bar.y
        assert edge == pytest.approx(chart.zero_y, abs=0.01)
        end = bar.y if not bar.negative else bar.y + bar.height
        assert value_at(chart, end) == pytest.approx(bar.value, abs=Decimal(50))
        assert bar.x + bar.width / 2 == pytest.approx(centre(chart, bar.month), abs=0.02)
    check_ticks(chart)
    check_inside(chart)
    assert chart.y_ticks[0].value <= min(closing)
    assert chart.y_ticks[-1].value >= max(closing)
    assert chart.series == ()


def test_the_cash_chart_marks_the_lowest_month_and_summarises_it() -> None:
    result = project(assumptions("growing"))
    chart = cash_chart(result)
    closing = result.table["closing_cash"]
    lowest = chart.marker("min_cash")

    assert lowest is not None
    assert lowest.month == result.metrics.min_cash_month == closing.index(min(closing)) + 1
    assert lowest.value == result.metrics.min_cash < 0
    assert lowest.label == result.months[lowest.month - 1]
    bar = chart.bars[lowest.month - 1]
    assert lowest.x == pytest.approx(bar.x + bar.width / 2, abs=0.02)
    assert lowest.y == pytest.approx(bar.y + bar.height, abs=0.01)  # the bottom of a negative bar
    assert (chart.low, chart.low_month) == (min(closing), lowest.month)
    assert (chart.high, chart.high_month) == (max(closing), closing.index(max(closing)) + 1)
    assert chart.marker("break_even") is None


def test_a_what_if_case_adds_one_point_per_month_and_the_scale_covers_it() -> None:
    base = project(assumptions("growing"))
    worse = project(assumptions("growing"), {"sales_factor": 0.6, "delay_months": 2})
    assert min(worse.table["closing_cash"]) < min(base.table["closing_cash"])

    chart = cash_chart(base, compare=worse)

    line = chart.line("scenario")
    assert line is not None
    assert line.values == worse.table["closing_cash"]
    assert len(line.coords) == len(base.months)
    pairs = line.points.split(" ")
    assert len(pairs) == len(base.months)
    for (x, y), pair in zip(line.coords, pairs, strict=True):
        px, py = (float(part) for part in pair.split(","))
        assert (px, py) == pytest.approx((x, y), abs=0.01)
    assert [x for x, _y in line.coords] == pytest.approx([centre(chart, m) for m in range(1, 25)], abs=0.02)
    assert chart.y_ticks[0].value <= min(worse.table["closing_cash"])
    check_ticks(chart)
    check_inside(chart)
    # The bars stay the base case.
    assert [bar.value for bar in chart.bars] == list(base.table["closing_cash"])


def test_a_comparison_over_other_months_is_refused() -> None:
    with pytest.raises(ValueError, match="same months"):
        cash_chart(project(assumptions("growing")), compare=project(assumptions("growing", months=12)))


def test_the_revenue_chart_marks_break_even_where_revenue_reaches_the_costs() -> None:
    result = project(assumptions("growing"))
    table = result.table
    month = result.metrics.break_even_month
    assert month is not None
    assert month > 3

    chart = revenue_costs_chart(result)

    assert chart.kind == "revenue_costs"
    assert chart.bars == ()
    revenue, costs, outgoings = chart.line("revenue"), chart.line("costs"), chart.line("outgoings")
    assert revenue is not None
    assert costs is not None
    assert outgoings is not None
    assert revenue.values == table["revenue"]
    assert costs.values == tuple(
        v + f for v, f in zip(table["variable_costs"], table["fixed_costs"], strict=True)
    )
    assert outgoings.values == tuple(
        c + i + p + t + d
        for c, i, p, t, d in zip(
            costs.values, table["interest"], table["principal"], table["tax"], table["drawings"], strict=True
        )
    )
    assert all(len(s.coords) == 24 for s in chart.series)
    marker = chart.marker("break_even")
    assert marker is not None
    assert marker.month == month
    assert marker.label == result.months[month - 1]
    assert marker.x == pytest.approx(centre(chart, month), abs=0.02)
    assert marker.x == revenue.coords[month - 1][0]
    # The line crosses there: revenue below costs the month before, at or above them from that month.
    assert revenue.values[month - 2] < costs.values[month - 2]
    assert revenue.values[month - 1] >= costs.values[month - 1]
    assert revenue.coords[month - 1][1] <= costs.coords[month - 1][1]  # higher on screen = smaller y
    check_ticks(chart)
    check_inside(chart)
    assert (chart.low, chart.high) == (min(table["revenue"]), max(table["revenue"]))


def test_without_break_even_there_is_no_marker() -> None:
    result = project(assumptions("growing", revenue_streams=[{"units_per_month": 10, "unit_price": 10}]))
    assert result.metrics.break_even_month is None
    chart = revenue_costs_chart(result)
    assert chart.markers == ()
    assert chart.marker("break_even") is None


def test_all_zeros_draw_flat_on_the_zero_line() -> None:
    result = project({"start_month": "2027-01", "months": 12})
    assert set(result.table["closing_cash"]) == {Decimal("0.00")}

    for chart in (cash_chart(result), revenue_costs_chart(result)):
        check_ticks(chart)
        check_inside(chart)
        assert chart.zero_y == pytest.approx(chart.plot.bottom)
        assert all(y == pytest.approx(chart.zero_y) for s in chart.series for _x, y in s.coords)
    bars = cash_chart(result).bars
    assert len(bars) == 12
    assert all(bar.height == 0 and not bar.negative for bar in bars)


def test_a_single_month() -> None:
    one_month = assumptions("growing", months=1, revenue_streams=[{"units_per_month": 100, "unit_price": 20}])
    result = project(one_month)
    cash = cash_chart(result, compare=project(one_month, {"sales_factor": 0.5}))
    assert len(cash.bars) == 1
    assert cash.bars[0].width <= 48
    assert cash.bars[0].x + cash.bars[0].width / 2 == pytest.approx(centre(cash, 1), abs=0.02)
    assert [t.month for t in cash.x_ticks] == [1]
    assert len(cash.line("scenario").coords) == 1
    check_ticks(cash)
    check_inside(cash)
    chart = revenue_costs_chart(result)
    assert all(len(s.coords) == 1 for s in chart.series)
    assert chart.marker("break_even").month == 1
    check_ticks(chart)


def test_ten_years_of_months() -> None:
    result = project(assumptions("growing", months=120, loans=[], own_funds=8000))
    chart = cash_chart(result)

    assert len(chart.bars) == 120
    ticks = chart.x_ticks
    assert ticks[0].month == 1
    assert ticks[0].label == "2027-03"
    assert len(ticks) <= 12
    assert [t.month for t in ticks] == list(range(1, 121, 12))
    assert [t.label for t in ticks] == [result.months[t.month - 1] for t in ticks]
    # Bars never overlap and fit in the plot.
    for left, right in zip(chart.bars, chart.bars[1:], strict=False):
        assert left.x + left.width < right.x
    check_inside(chart)
    check_ticks(chart)


@pytest.mark.parametrize(("months", "every"), [(3, 1), (6, 1), (12, 3), (24, 6), (36, 6), (60, 12)])
def test_month_labels_thin_out_as_the_horizon_grows(months: int, every: int) -> None:
    chart = cash_chart(project(assumptions("growing", months=months)))
    assert [t.month for t in chart.x_ticks] == list(range(1, months + 1, every))
    assert [t.x for t in chart.x_ticks] == pytest.approx(
        [centre(chart, t.month) for t in chart.x_ticks], abs=0.02
    )
    assert [t.label for t in chart.x_ticks] == [chart.months[t.month - 1] for t in chart.x_ticks]


def test_all_negative_cash_hangs_from_a_zero_line_at_the_top() -> None:
    result = project(
        {
            "start_month": "2027-01",
            "months": 18,
            "startup_costs": [{"amount": 5000}],
            "fixed_costs": [{"monthly": 700}],
        }
    )
    closing = result.table["closing_cash"]
    assert max(closing) < 0

    chart = cash_chart(result)

    assert all(bar.negative for bar in chart.bars)
    assert chart.y_ticks[-1].value == 0
    assert chart.zero_y == pytest.approx(chart.plot.top)
    assert all(bar.y == pytest.approx(chart.zero_y) for bar in chart.bars)
    assert chart.y_ticks[0].value <= min(closing)
    heights = [bar.height for bar in chart.bars]
    assert heights == sorted(heights)  # cash only falls
    check_ticks(chart)
    check_inside(chart)


def test_huge_amounts_keep_round_ticks_and_room_for_their_labels() -> None:
    result = project(
        assumptions(
            "growing",
            startup_costs=[{"amount": "10000000"}] * 100,  # the largest amounts each field allows
            own_funds="10000000",
            loans=[],
            revenue_streams=[{"units_per_month": 1000000, "unit_price": 100000}],
        )
    )
    for chart in (cash_chart(result), revenue_costs_chart(result)):
        check_ticks(chart)
        check_inside(chart)
        assert chart.plot.left <= 200
        assert chart.plot.width > 300


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        ("0", "0", None),
        ("0", "9", ("0", "2", "4", "6", "8", "10")),
        ("-7", "0", ("-8", "-6", "-4", "-2", "0")),
        ("-123456", "789", ("-125000", "-100000", "-75000", "-50000", "-25000", "0", "25000")),
        ("0", "0.37", ("0.0", "0.1", "0.2", "0.3", "0.4")),
        ("0", "12", ("0.0", "2.5", "5.0", "7.5", "10.0", "12.5")),
        ("250", "990", ("0", "200", "400", "600", "800", "1000")),  # 0 is always in the range
        ("-1000", "-250", ("-1000", "-800", "-600", "-400", "-200", "0")),
    ],
)
def test_nice_ticks(low: str, high: str, expected: tuple[str, ...] | None) -> None:
    ticks = nice_ticks(Decimal(low), Decimal(high))
    assert Decimal(0) in ticks
    assert list(ticks) == sorted(ticks)
    assert ticks[0] <= min(Decimal(low), 0)
    assert ticks[-1] >= max(Decimal(high), 0)
    assert 3 <= len(ticks) - 1 <= 8
    if expected is not None:
        assert [str(t) for t in ticks] == list(expected)
    else:
        assert ticks[0] == 0
        assert ticks[-1] == 1


def test_the_dom_id_is_stable_and_differs_by_title() -> None:
    chart = cash_chart(project(assumptions("growing")))
    assert chart.dom_id("Cash") == chart.dom_id("Cash")
    assert chart.dom_id("Cash") != chart.dom_id("Cash: what if")
    assert re.fullmatch(r"chart-cash-[0-9a-f]{8}", chart.dom_id("Cash"))


# The macros ------------------------------------------------------------------------------------------------


def render(app: Flask, source: str, **context: object) -> str:
    with app.test_request_context(), force_locale("en"):
        return render_template_string(source, **context)


def svg_of(html: str) -> ET.Element:
    """The <svg> element, parsed as XML: it must be well-formed to be drawn the same by WeasyPrint."""
    match = re.search(r"<svg class=\"chart .*?</svg>", html, re.S)
    assert match, "no chart svg"
    return ET.fromstring(match.group(0))  # noqa: S314 - our own template's output


SVG = "{http://www.w3.org/2000/svg}"


def assert_safe(html: str) -> None:
    """Nothing the Content-Security-Policy or WeasyPrint would refuse."""
    assert "style=" not in html
    assert "<script" not in html
    assert "foreignObject" not in html
    assert "var(--" not in html


def test_the_cash_macro_draws_one_rect_per_month(app: Flask, app_context: None) -> None:
    result: ProjectionResult = project(assumptions("growing"))
    chart = cash_chart(result)
    negatives = sum(v < 0 for v in result.table["closing_cash"])

    html = render(
        app, '{% from "_macros/charts.html" import cash_chart %}{{ cash_chart(chart, "t") }}', chart=chart
    )

    assert_safe(html)
    assert html.count("<svg") == html.count("</svg>") >= 1
    svg = svg_of(html)
    assert svg.get("role") == "img"
    assert svg.get("viewBox") == "0 0 640 260"
    assert svg.get("width") == "100%"
    assert svg.get("preserveAspectRatio")
    bars = [r for r in svg.iter(SVG + "rect") if "bar" in r.get("class", "").split()]
    assert len(bars) == len(result.months) == 24
    assert sum("bar-negative" in r.get("class") for r in bars) == negatives > 0
    assert [float(r.get("height")) for r in bars] == [bar.height for bar in chart.bars]
    # The accessible name and description point at the svg's own <title> and <desc>.
    labelled = svg.get("aria-labelledby").split()
    title, desc = svg.find(SVG + "title"), svg.find(SVG + "desc")
    assert [title.get("id"), desc.get("id")] == labelled
    assert title.text == "t"
    assert result.months[0] in desc.text
    assert result.months[-1] in desc.text
    assert len(svg.findall(f".//{SVG}circle[@class='marker marker-min-cash']")) == 1
    assert len(svg.findall(f".//{SVG}line[@class='zero-line']")) == 1
    ticks = [t for t in svg.iter(SVG + "text") if "tick" in t.get("class", "").split()]
    assert len(ticks) == len(chart.y_ticks) + sum(t.labelled for t in chart.x_ticks)
    assert 'class="chart-legend"' in html
    assert "line-scenario" not in html


def test_the_cash_macro_draws_the_what_if_line(app: Flask, app_context: None) -> None:
    chart = cash_chart(
        project(assumptions("growing")), compare=project(assumptions("growing"), {"sales_factor": 0.7})
    )
    html = render(
        app, '{% from "_macros/charts.html" import chart %}{{ chart(c, "Cash: what if") }}', c=chart
    )
    assert_safe(html)
    lines = svg_of(html).findall(f".//{SVG}polyline")
    assert [line.get("class") for line in lines] == ["line line-scenario"]
    assert len(lines[0].get("points").split()) == 24
    assert chart.dom_id("Cash: what if") in html


def test_the_revenue_macro_draws_three_lines_and_the_break_even(app: Flask, app_context: None) -> None:
    result = project(assumptions("growing"))
    chart = revenue_costs_chart(result)
    html = render(
        app,
        '{% from "_macros/charts.html" import revenue_costs_chart %}{{ revenue_costs_chart(c, "Sales") }}',
        c=chart,
    )
    assert_safe(html)
    svg = svg_of(html)
    classes = sorted(line.get("class") for line in svg.iter(SVG + "polyline"))
    assert classes == ["line line-costs", "line line-outgoings", "line line-revenue"]
    assert not [r for r in svg.iter(SVG + "rect")]
    marker = svg.find(f".//{SVG}g[@class='marker marker-break-even']/{SVG}line")
    assert marker is not None
    assert float(marker.get("x1")) == chart.marker("break_even").x
    assert result.months[result.metrics.break_even_month - 1] in svg.find(SVG + "desc").text

    never = revenue_costs_chart(project(assumptions("growing", revenue_streams=[])))
    html = render(
        app,
        '{% from "_macros/charts.html" import revenue_costs_chart %}{{ revenue_costs_chart(c, "Sales") }}',
        c=never,
    )
    assert_safe(html)
    assert svg_of(html).find(f".//{SVG}g[@class='marker marker-break-even']") is None
    assert "never covers its monthly costs" in html


def test_a_single_month_draws_dots_where_a_line_would_be_invisible(app: Flask, app_context: None) -> None:
    one_month = assumptions("growing", months=1, revenue_streams=[{"units_per_month": 100, "unit_price": 20}])
    chart = revenue_costs_chart(project(one_month))
    html = render(
        app,
        '{% from "_macros/charts.html" import revenue_costs_chart %}{{ revenue_costs_chart(c, "One") }}',
        c=chart,
    )
    assert_safe(html)
    dots = [c for c in svg_of(html).iter(SVG + "circle") if c.get("class", "").startswith("dot ")]
    assert sorted(d.get("class") for d in dots) == ["dot dot-costs", "dot dot-outgoings", "dot dot-revenue"]
    assert {float(d.get("cx")) for d in dots} == {chart.marker("break_even").x}


# Text in the charts --------------------------------------------------------------------------------------


def render_in(app: Flask, language: str, source: str, **context: object) -> str:
    with app.test_request_context(), force_locale(language):
        return render_template_string(source, **context)


@pytest.mark.parametrize("language", ["it", "en", "fr", "ar"])
def test_the_svg_draws_no_words_only_amounts_and_months(app: Flask, app_context: None, language: str) -> None:
    """WeasyPrint draws SVG text without shaping or bidi: an Arabic word there came out reversed and unjoined
    in the PDF ("Break-even" over the line). The words are in the HTML legend; the SVG holds amounts and
    "YYYY-MM" months only, with no direction marks, so they read left to right everywhere."""
    losing = project(
        assumptions("growing", own_funds=0, startup_costs=[{"amount": 30000}])
    )  # cash far below zero
    assert losing.metrics.break_even_month is not None
    for chart in (cash_chart(losing), revenue_costs_chart(losing)):
        html = render_in(
            app, language, '{% from "_macros/charts.html" import chart %}{{ chart(c, "t") }}', c=chart
        )
        texts = [element.text or "" for element in svg_of(html).iter(SVG + "text")]
        assert len(texts) == len(chart.y_ticks) + sum(t.labelled for t in chart.x_ticks)
        for text in texts:
            assert not [c for c in text if unicodedata.category(c).startswith("L")], text
            assert not [c for c in text if unicodedata.bidirectional(c) in {"R", "AL", "RLE", "RLO"}], text
            assert "\u200f" not in text
            assert "\u061c" not in text


def test_a_negative_axis_amount_reads_minus_first_in_arabic(app: Flask, app_context: None) -> None:
    """It read "10,000- €": the Arabic format starts with a right-to-left mark, which turned the minus sign
    around on the left-to-right axis."""
    chart = cash_chart(project(assumptions("growing", own_funds=0, startup_costs=[{"amount": 30000}])))
    assert chart.y_ticks[0].value < 0
    html = render_in(app, "ar", '{% from "_macros/charts.html" import chart %}{{ chart(c, "t") }}', c=chart)
    axis = svg_of(html).find(f".//{SVG}g[@class='axis axis-y']")
    labels = [element.text for element in axis.iter(SVG + "text")]
    assert labels[0].startswith("-")
    assert labels[0].replace("\u00a0", " ").endswith(" €")
    assert svg_of(html).get("direction") == "ltr"


@pytest.mark.parametrize("months", [1, 3, 12, 24, 36, 60, 120])
@pytest.mark.parametrize("amounts", ["small", "huge"])
def test_month_labels_stay_clear_of_the_amounts_and_of_each_other(months: int, amounts: str) -> None:
    """The first month's label used to be centred under month 1 and ran into the y axis's lowest amount; with
    long amounts (a wide margin) and ten years, labels ran into each other. A label is drawn only where it
    fits; on a phone, where labels are drawn large, only the "major" ones."""
    streams = [{"units_per_month": 9, "unit_price": 9}]
    if amounts == "huge":
        streams = [{"units_per_month": 1000000, "unit_price": 1000}]
    chart = cash_chart(project(assumptions("growing", months=months, revenue_streams=streams)))
    assert chart.x_ticks[0].labelled
    assert chart.x_ticks[0].major  # the first month is always labelled
    for size, chosen in (
        (7.8, [t for t in chart.x_ticks if t.labelled]),
        (13.5, [t for t in chart.x_ticks if t.major]),
    ):
        label = 7 * size  # "YYYY-MM", in viewBox units
        spans = []
        for tick in chosen:
            start = {"start": tick.label_x, "middle": tick.label_x - label / 2, "end": tick.label_x - label}[
                tick.anchor
            ]
            assert start >= chart.plot.left - 0.01  # never under the y axis's amounts
            assert start + label <= chart.width + 0.01
            spans.append((start, start + label))
        for left, right in itertools.pairwise(spans):
            assert left[1] < right[0], f"two labels overlap at font size {size}"
    assert all(t.labelled for t in chart.x_ticks if t.major)
    assert chart.x_label_y <= chart.height - 8


def test_the_legend_keeps_months_and_amounts_left_to_right(app: Flask, app_context: None) -> None:
    result = project(assumptions("growing"))
    html = render_in(
        app,
        "ar",
        '{% from "_macros/charts.html" import chart %}{{ chart(c, "t") }}',
        c=revenue_costs_chart(result),
    )
    month = result.months[result.metrics.break_even_month - 1]
    assert f'<bdi dir="ltr" class="ltr-value">{month}</bdi>' in html


#: The axes as the chart macro drew them in a template loop, before Chart.axes_svg drew them in Python: the
#: reference the Python drawing must match character for character.
_AXES_MACRO = """{% macro _axes(chart) %}
{% set plot = chart.plot %}
<g class="grid" stroke="{{ palette.grid }}" stroke-width="1">
{% for tick in chart.y_ticks if tick.value != 0 %}
  <line x1="{{ plot.left }}" y1="{{ tick.y }}" x2="{{ plot.right }}" y2="{{ tick.y }}"/>
{% endfor %}
</g>
<g class="axis axis-y" fill="{{ palette.axis }}" text-anchor="end">
{% set labels = chart.y_labels() %}
{% for tick in chart.y_ticks %}
  <text class="tick" x="{{ plot.left - 6 }}" y="{{ tick.y + 4 }}">{{ labels[loop.index0] }}</text>
{% endfor %}
</g>
<g class="axis axis-x" fill="{{ palette.axis }}" text-anchor="middle">
  <line x1="{{ plot.left }}" y1="{{ plot.bottom }}" x2="{{ plot.right }}" y2="{{ plot.bottom }}" stroke="{{ palette.axis }}" stroke-width="1"/>
{% for tick in chart.x_ticks %}
  <line x1="{{ tick.x }}" y1="{{ plot.bottom }}" x2="{{ tick.x }}" y2="{{ plot.bottom + 4 }}" stroke="{{ palette.axis }}" stroke-width="1"/>
{% if tick.labelled %}
  <text class="tick{% if not tick.major %} tick-minor{% endif %}" x="{{ tick.label_x }}" y="{{ chart.x_label_y }}"{% if tick.anchor != 'middle' %} text-anchor="{{ tick.anchor }}"{% endif %}>{{ tick.label }}</text>
{% endif %}
{% endfor %}
</g>
{% endmacro %}{{ _axes(chart) }}|{{ chart.axes_svg(palette.grid, palette.axis) }}"""  # noqa: E501


@pytest.mark.parametrize("language", ["it", "ar"])
@pytest.mark.parametrize(
    "document",
    [
        assumptions("simple"),
        assumptions("growing"),
        assumptions("growing", own_funds=0, startup_costs=[{"amount": 30000}]),
        assumptions("growing", months=60),
        assumptions("simple", months=1),
    ],
    ids=["simple", "growing", "below-zero", "sixty-months", "one-month"],
)
def test_the_python_axes_are_the_ones_the_macro_drew(
    app: Flask, app_context: None, document: dict, language: str
) -> None:
    palette = {"grid": "#d9e2ec", "axis": "#52606d"}
    result = project(document)
    for chart in (cash_chart(result), revenue_costs_chart(result)):
        old, new = render_in(app, language, _AXES_MACRO, chart=chart, palette=palette).split("|")
        assert new == old
        assert "<text" in new
