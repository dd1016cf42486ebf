"""Geometry of the plan's charts, drawn as server-side SVG by templates/_macros/charts.html.

No SQLAlchemy. This module turns a ProjectionResult into coordinates in viewBox units (``WIDTH`` x
``HEIGHT``, y growing downwards); the macros draw them, so the same picture comes out in the browser, in print
and in the WeasyPrint PDF. The only words it makes are amounts, for speed: the y labels
(:meth:`Chart.y_labels`) and the bars' titles (:meth:`Chart.bars_svg`), formatted as the money filter does;
the bars and the axes (:meth:`Chart.axes_svg`) are drawn here as escaped SVG: long loops, slow in a template.

- :func:`cash_chart`: closing cash by month as bars (months below zero flagged ``negative``), the zero line,
  the lowest month marked (``min_cash``) and, optionally, a what-if scenario's closing cash as a line.
- :func:`revenue_costs_chart`: revenue against costs by month, the break-even month marked.
- :func:`bars_and_line_chart`: one figure as bars and another as a line, months may lack either (mentoring
  draws what a financed business did against its plan with it).

Months are bands of equal width across the plot area; month m (1-based) is centred at
``plot.left + (m - 0.5) x band``. The y scale runs over round ticks (steps of 1, 2, 2.5 or 5 x 10^n) and
always includes 0, so bars grow up or down from the zero line.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache

from flask import current_app
from markupsafe import Markup, escape

from workbench.finance import ProjectionResult
from workbench.web.formatting import locale_name_now
from workbench.web.templating import amounts, money

WIDTH = 640
HEIGHT = 260
#: Target number of intervals between y ticks; the result has between 3 and 8 intervals.
Y_INTERVALS = 5
_NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
_TOP, _RIGHT, _BOTTOM = 16.0, 28.0, 36.0
#: Where the month labels' baseline lies below the plot: room for the largest label font.
X_LABEL_OFFSET = 26.0
#: Rough width of one character of a tick label at the largest font the labels get: font-size 11 in the macros
#: (and the PDF), up to 24 in charts.css where the 640-unit chart is drawn on a phone at about half size, so
#: that labels stay at least 11 px tall.
_CHAR_WIDTH = 13.5
#: Half the width of a month label ("2027-03") at the largest font, and the least space between two labels:
#: labels closer than that to the previous one are "minor" and left out on a phone.
_LABEL_HALF = 3.5 * _CHAR_WIDTH
_LABEL_GAP = 12.0
#: The same at the ordinary font (13 in charts.css, 11 in the PDF): labels closer than this are not drawn.
_SMALL_LABEL_HALF = 3.5 * 7.8
_MIN_LEFT, _MAX_LEFT = 52.0, 200.0
_BAR_SHARE = 0.7  # of the band
_MAX_BAR_WIDTH = 48.0


@dataclass(frozen=True, slots=True)
class PlotArea:
    """The rectangle the data is drawn in, inside the viewBox; axis labels go in the margins around it."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return _r(self.left + self.width)

    @property
    def bottom(self) -> float:
        return _r(self.top + self.height)


@dataclass(frozen=True, slots=True)
class Bar:
    """One month's bar; ``y`` is its top edge, so a negative value's bar starts at the zero line."""

    month: int  # 1-based projection month
    label: str  # "YYYY-MM"
    value: Decimal
    x: float
    y: float
    width: float
    height: float
    negative: bool


@dataclass(frozen=True, slots=True)
class Series:
    """A line, one point per month at the centre of its band. ``name``: "scenario", "revenue", "costs" or
    "outgoings"; ``points`` is ready for ``<polyline points="...">``; ``coords`` the same as pairs."""

    name: str
    values: tuple[Decimal, ...]
    coords: tuple[tuple[float, float], ...]

    @property
    def points(self) -> str:
        return " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in self.coords)


@dataclass(frozen=True, slots=True)
class YTick:
    value: Decimal
    y: float


@dataclass(frozen=True, slots=True)
class XTick:
    """A labelled month. The label is centred under its tick (``anchor`` "middle" at ``x``) unless that would
    run past the plot's left end or the chart's right edge: then it starts at the plot's left end ("start")
    or ends at the tick ("end"), clear of the amounts on the y axis. ``major``: kept where labels are large
    (a phone); the others are drawn only where there is room. Without ``labelled`` only the tick is drawn: its
    label would run into the previous one."""

    month: int  # 1-based
    label: str  # "YYYY-MM"
    x: float
    anchor: str = "middle"
    label_x: float = 0.0
    major: bool = True
    labelled: bool = True


@dataclass(frozen=True, slots=True)
class Marker:
    """A month singled out: ``kind`` "min_cash" (a dot at (x, y)) or "break_even" (a vertical line at x)."""

    kind: str
    month: int  # 1-based
    label: str  # "YYYY-MM"
    value: Decimal
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything a macro needs to draw one chart, in viewBox units.

    ``low``/``high`` (and their first months) summarise the main series (closing cash, or revenue) for the
    SVG's description; ``zero_y`` is where the value 0 lies.
    """

    kind: str  # "cash" | "revenue_costs"
    width: int
    height: int
    plot: PlotArea
    months: tuple[str, ...]
    zero_y: float
    bars: tuple[Bar, ...]
    series: tuple[Series, ...]
    y_ticks: tuple[YTick, ...]
    x_ticks: tuple[XTick, ...]
    markers: tuple[Marker, ...]
    low: Decimal
    low_month: int
    high: Decimal
    high_month: int

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def x_label_y(self) -> float:
        """The baseline of the month labels."""
        return _r(self.plot.bottom + X_LABEL_OFFSET)

    @property
    def first_month(self) -> str:
        return self.months[0]

    @property
    def last_month(self) -> str:
        return self.months[-1]

    def dom_id(self, title: str) -> str:
        """An id for the drawn chart, stable across renders and different for each title (so the same kind of
        chart can appear twice on a page under two titles): "chart-cash-1a2b3c4d"."""
        digest = zlib.crc32(f"{self.kind}|{title}".encode())
        return f"chart-{self.kind.replace('_', '-')}-{digest:08x}"

    def marker(self, kind: str) -> Marker | None:
        return next((m for m in self.markers if m.kind == kind), None)

    def y_labels(self) -> list[str]:
        """The y ticks' amounts as the money filter writes them without cents, without the locale's
        right-to-left marks (so "-10,000 €" reads the same way on the left-to-right axis in every language).
        Tick values are round and come back request after request: each is formatted once per language and
        currency."""
        locale, currency = locale_name_now(), current_app.config["CURRENCY"]
        return [_whole_money(tick.value, locale, currency) for tick in self.y_ticks]

    @property
    def negative_bars(self) -> int:
        return sum(1 for bar in self.bars if bar.negative)

    def bars_svg(self, fill: str, negative_fill: str) -> Markup:
        """The <rect> of every bar with its <title> (month: amount), escaped; made here in one go because a
        template loop over sixty bars costs more than the projection (the numbers page redraws on typing)."""
        lines = []
        amounts_shown = money_texts([bar.value for bar in self.bars])
        fills = {False: ("bar", escape(fill)), True: ("bar bar-negative", escape(negative_fill))}
        for bar, amount in zip(self.bars, amounts_shown, strict=True):
            kind, colour = fills[bar.negative]
            lines.append(
                f'<rect class="{kind}" x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}" '
                f'fill="{colour}"><title>{escape(bar.label)}: {escape(amount)}</title></rect>'
            )
        return Markup("\n".join(lines))  # noqa: S704 - every text in it is escaped above

    def axes_svg(self, grid: str, axis: str) -> Markup:
        """The gridlines, the y axis's amounts and the x axis with its month ticks and labels, escaped; made
        here in one go for the same reason as :meth:`bars_svg` (sixty month ticks: a long template loop)."""
        plot, grid, axis = self.plot, escape(grid), escape(axis)
        left, right, bottom = plot.left, plot.right, plot.bottom
        lines = [f'<g class="grid" stroke="{grid}" stroke-width="1">']
        lines += [
            f'  <line x1="{left}" y1="{tick.y}" x2="{right}" y2="{tick.y}"/>'
            for tick in self.y_ticks
            if tick.value != 0
        ]
        lines.append("</g>")
        lines.append(f'<g class="axis axis-y" fill="{axis}" text-anchor="end">')
        lines += [
            f'  <text class="tick" x="{left - 6}" y="{tick.y + 4}">{escape(label)}</text>'
            for tick, label in zip(self.y_ticks, self.y_labels(), strict=True)
        ]
        lines.append("</g>")
        lines.append(f'<g class="axis axis-x" fill="{axis}" text-anchor="middle">')
        lines.append(
            f'  <line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{axis}" stroke-width="1"/>'
        )
        label_y, tick_end = self.x_label_y, bottom + 4
        for tick in self.x_ticks:
            lines.append(
                f'  <line x1="{tick.x}" y1="{bottom}" x2="{tick.x}" y2="{tick_end}" stroke="{axis}" '
                'stroke-width="1"/>'
            )
            if tick.labelled:
                minor = "" if tick.major else " tick-minor"
                anchor = "" if tick.anchor == "middle" else f' text-anchor="{escape(tick.anchor)}"'
                lines.append(
                    f'  <text class="tick{minor}" x="{tick.label_x}" y="{label_y}"{anchor}>'
                    f"{escape(tick.label)}</text>"
                )
        lines.append("</g>\n")
        return Markup("\n".join(lines))  # noqa: S704 - every text in it is escaped above

    def line(self, name: str) -> Series | None:
        return next((s for s in self.series if s.name == name), None)


@lru_cache(maxsize=4096)
def _whole_money(value: Decimal, locale: str, currency: str) -> str:
    # The page's locale is ``locale``: it is part of the key.
    return (
        money(value, currency, cents=False).replace(_RIGHT_TO_LEFT_MARK, "").replace(_ARABIC_LETTER_MARK, "")
    )


_RIGHT_TO_LEFT_MARK, _ARABIC_LETTER_MARK = "\u200f", "\u061c"


def money_texts(values: Sequence[Decimal]) -> list[str]:
    """``[money(v) for v in values]`` in one go: the locale's number formatting once for the whole list
    (``amounts``) and its currency sign around it, read from money() itself; checked on the first value, and
    money() value by value where that does not hold."""
    if not values:
        return []
    one = amounts([Decimal(1)])[0]
    affixes = []
    for probe in (Decimal(1), Decimal(-1)):
        before, found, after = money(probe).partition(one)
        if not found:
            return [money(value) for value in values]
        affixes.append((before, after))
    texts = []
    for value, digits in zip(values, amounts([abs(value) for value in values]), strict=True):
        before, after = affixes[value < 0 or (value.is_zero() and value.is_signed())]
        texts.append(before + digits + after)
    if texts[0] != money(values[0]):
        return [money(value) for value in values]
    return texts


def _r(value: float) -> float:
    """Two decimals are plenty in a 640-unit viewBox; + 0.0 turns -0.0 into 0.0."""
    return round(value, 2) + 0.0


def _fmt(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def nice_ticks(low: Decimal, high: Decimal, intervals: int = Y_INTERVALS) -> tuple[Decimal, ...]:
    """Round tick values covering [min(low, 0), max(high, 0)], ascending, 0 always among them.

    The step is the smallest of 1, 2, 2.5, 5 x 10^n at least (high - low) / intervals; the ends are the
    multiples of the step just outside the data. With no spread at all (every value 0) the range is [0, 1].
    """
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    if low == high:
        high = low + 1
    raw = (high - low) / intervals
    exponent = raw.adjusted()  # raw = d.ddd x 10^exponent
    fraction = raw.scaleb(-exponent)
    multiple = next(step for step in _NICE_STEPS if step >= fraction)
    step = multiple.scaleb(exponent)
    places = max(0, -step.normalize().as_tuple().exponent)  # type: ignore[operator]
    quantum = Decimal(1).scaleb(-places)
    first = (low / step).to_integral_value(rounding=ROUND_FLOOR)
    last = (high / step).to_integral_value(rounding=ROUND_CEILING)
    return tuple((step * k).quantize(quantum) for k in range(int(first), int(last) + 1))


def _x_tick_every(months: int) -> int:
    """Label month 1 and every k-th month after it, so that labels never crowd (at most about 10)."""
    if months <= 6:
        return 1
    if months <= 18:
        return 3
    if months <= 48:
        return 6
    return 12


def _left_margin(ticks: Sequence[Decimal]) -> float:
    """Room for the longest tick label as the money filter writes it (grouping, cents when not whole,
    currency sign)."""
    longest = 0
    for value in ticks:
        digits = len(str(int(abs(value))))
        cents = 0 if value == value.to_integral_value() else 3
        chars = digits + (digits - 1) // 3 + cents + 2 + (1 if value < 0 else 0)
        longest = max(longest, chars)
    return min(_MAX_LEFT, max(_MIN_LEFT, longest * _CHAR_WIDTH + 10))


class _Frame:
    """Scales: month -> band centre, value -> y."""

    def __init__(self, months: Sequence[str], values: Sequence[Decimal]) -> None:
        self.months = tuple(months)
        if not self.months:
            raise ValueError("a chart needs at least one month")
        self.ticks = nice_ticks(min(values), max(values))
        self.low, self.high = self.ticks[0], self.ticks[-1]
        left = _left_margin(self.ticks)
        self.plot = PlotArea(_r(left), _TOP, _r(WIDTH - left - _RIGHT), _r(HEIGHT - _TOP - _BOTTOM))
        self.band = self.plot.width / len(self.months)
        self._span = float(self.high - self.low)
        # Every series and bar of the chart is drawn at the same month centres: worked out once.
        self._centres = tuple(
            _r(self.plot.left + (month - 0.5) * self.band) for month in range(1, len(self.months) + 1)
        )

    def y(self, value: Decimal) -> float:
        share = float(self.high - value) / self._span
        return _r(self.plot.top + share * self.plot.height)

    def centre(self, month: int) -> float:
        return self._centres[month - 1]

    def series(self, name: str, values: Sequence[Decimal]) -> Series:
        coords = tuple(zip(self._centres, map(self.y, values), strict=True))
        return Series(name, tuple(values), coords)

    def bars(self, values: Sequence[Decimal]) -> tuple[Bar, ...]:
        width = min(self.band * _BAR_SHARE, _MAX_BAR_WIDTH)
        zero = self.y(Decimal(0))
        bars = []
        for month, (label, value) in enumerate(zip(self.months, values, strict=True), start=1):
            end = self.y(value)
            bars.append(
                Bar(
                    month=month,
                    label=label,
                    value=value,
                    x=_r(self.centre(month) - width / 2),
                    y=min(zero, end),
                    width=_r(width),
                    height=_r(abs(end - zero)),
                    negative=value < 0,
                )
            )
        return tuple(bars)

    def x_ticks(self, months: Sequence[int]) -> tuple[XTick, ...]:
        """Ticked months. A tick's label is drawn ("labelled") when it starts clear of the previous label at
        the ordinary font, and is "major" when it is also clear of the previous major one at the largest font
        (the first month is both)."""
        ticks, free_from, major_from = [], -math.inf, -math.inf
        for month in months:
            x = self.centre(month)
            if x - _LABEL_HALF < self.plot.left:
                anchor, start = "start", self.plot.left
            elif x + _LABEL_HALF > WIDTH:
                anchor, start = "end", x - 2 * _LABEL_HALF
            else:
                anchor, start = "middle", x - _LABEL_HALF
            # Where the label starts at the ordinary font.
            half = _SMALL_LABEL_HALF
            small = {"start": start, "middle": x - half, "end": x - 2 * half}[anchor]
            labelled = small >= free_from
            major = labelled and start >= major_from
            if labelled:
                free_from = small + 2 * _SMALL_LABEL_HALF + _LABEL_GAP
            if major:
                major_from = start + 2 * _LABEL_HALF + _LABEL_GAP
            label_x = {"start": start, "middle": x, "end": x}[anchor]
            ticks.append(XTick(month, self.months[month - 1], x, anchor, _r(label_x), major, labelled))
        return tuple(ticks)

    def marker(self, kind: str, month: int, value: Decimal) -> Marker:
        return Marker(kind, month, self.months[month - 1], value, self.centre(month), self.y(value))

    def chart(
        self,
        kind: str,
        main: Sequence[Decimal],
        bars: tuple[Bar, ...],
        series: tuple[Series, ...],
        markers: tuple[Marker, ...],
    ) -> Chart:
        every = _x_tick_every(len(self.months))
        x_ticks = self.x_ticks(range(1, len(self.months) + 1, every))
        low, high = min(main), max(main)
        return Chart(
            kind=kind,
            width=WIDTH,
            height=HEIGHT,
            plot=self.plot,
            months=self.months,
            zero_y=self.y(Decimal(0)),
            bars=bars,
            series=series,
            y_ticks=tuple(YTick(value, self.y(value)) for value in self.ticks),
            x_ticks=x_ticks,
            markers=markers,
            low=low,
            low_month=list(main).index(low) + 1,
            high=high,
            high_month=list(main).index(high) + 1,
        )


def cash_chart(result: ProjectionResult, compare: ProjectionResult | None = None) -> Chart:
    """Closing cash by month as bars, the lowest month marked "min_cash"; ``compare`` (a what-if scenario of
    the same plan, same months) adds its closing cash as the line "scenario". The y scale covers both."""
    closing = result.table["closing_cash"]
    values = list(closing)
    if compare is not None:
        if compare.months != result.months:
            raise ValueError("the compared projection must cover the same months")
        values += compare.table["closing_cash"]
    frame = _Frame(result.months, values)
    series = () if compare is None else (frame.series("scenario", compare.table["closing_cash"]),)
    min_month = result.metrics.min_cash_month
    marker = frame.marker("min_cash", min_month, closing[min_month - 1])
    return frame.chart("cash", closing, frame.bars(closing), series, (marker,))


def revenue_costs_chart(result: ProjectionResult) -> Chart:
    """Revenue against costs by month, as lines, with the break-even month marked "break_even".

    - "revenue": the revenue row.
    - "costs": variable_costs + fixed_costs, the costs of running the business. The break-even month (the
      first month with revenue > 0 and operating profit >= 0) is where "revenue" first reaches this line.
    - "outgoings": costs + interest + principal + tax + drawings, i.e. everything that goes out every month
      except the startup investment. Above this line the business also pays the loan, the taxes and the
      family, and cash grows.
    """
    table = result.table
    revenue = table["revenue"]
    costs = tuple(v + f for v, f in zip(table["variable_costs"], table["fixed_costs"], strict=True))
    outgoings = tuple(
        c + i + p + t + d
        for c, i, p, t, d in zip(
            costs, table["interest"], table["principal"], table["tax"], table["drawings"], strict=True
        )
    )
    frame = _Frame(result.months, [*revenue, *costs, *outgoings])
    series = (
        frame.series("revenue", revenue),
        frame.series("costs", costs),
        frame.series("outgoings", outgoings),
    )
    break_even = result.metrics.break_even_month
    markers = () if break_even is None else (frame.marker("break_even", break_even, revenue[break_even - 1]),)
    return frame.chart("revenue_costs", revenue, (), series, markers)


def bars_and_line_chart(
    kind: str,
    months: Sequence[str],
    bars: Sequence[Decimal | None],
    line: Sequence[Decimal | None],
    line_name: str = "plan",
) -> Chart:
    """One figure by month as bars, another as the line ``line_name`` (e.g. what happened against what a plan
    expected). None leaves a month without its bar, or without a point of the line: the line joins the months
    that have one. The y scale covers both; ``low``/``high`` summarise the bars (the line when no month has a
    bar). Bars below zero are flagged ``negative``."""
    if len(bars) != len(months) or len(line) != len(months):
        raise ValueError("bars and line need one value (or None) per month")
    shown = [value for value in (*bars, *line) if value is not None] or [Decimal(0)]
    frame = _Frame(months, shown)
    drawn = frame.bars([Decimal(0) if value is None else value for value in bars])
    kept = tuple(bar for bar, value in zip(drawn, bars, strict=True) if value is not None)
    points = [(month, value) for month, value in enumerate(line, start=1) if value is not None]
    series = ()
    if points:
        series = (
            Series(
                line_name,
                tuple(value for _month, value in points),
                tuple((frame.centre(month), frame.y(value)) for month, value in points),
            ),
        )
    main = [value for value in bars if value is not None] or [v for _m, v in points] or [Decimal(0)]
    chart = frame.chart(kind, main, kept, series, ())
    # low_month/high_month count in the months of ``main``; give them as months of the chart.
    numbered = [(m, v) for m, v in enumerate(bars, start=1) if v is not None] or points or [(1, Decimal(0))]
    low_month = next(m for m, v in numbered if v == chart.low)
    high_month = next(m for m, v in numbered if v == chart.high)
    return replace(chart, low_month=low_month, high_month=high_month)
