"""Geometry of the funnel chart, drawn as server-side SVG by templates/_macros/funnel.html.

One bar per step, centred on its row, its width the step's share of the people involved: the rows narrow
down like a funnel and read the same way in either direction (Arabic too, with nothing to mirror). As in the
plan's charts (workbench/plans/charts.py), words are never drawn inside the SVG: each row's step name and
figures are HTML beside the bar, so they wrap, translate and shape like any text on the page. The bars are in
percent of their row, so they need no viewBox and stay crisp at any width, a 360 px phone included.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.outcomes.funnel import Funnel, StepCount

#: The narrowest bar drawn for a step that has anyone, in percent of the row: one person in thousands
#: stays visible.
MIN_WIDTH = 0.8


@dataclass(frozen=True, slots=True)
class FunnelBar:
    step: StepCount
    #: Where the bar starts and how wide it is, in percent of its row ("37.5"); "0" for nobody.
    x: str
    width: str

    @property
    def key(self) -> str:
        return self.step.step.key


def _fmt(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def funnel_bars(funnel: Funnel) -> list[FunnelBar]:
    """The bars of the funnel's steps, the widest being the people involved (100 %)."""
    widest = max((step.people for step in funnel.steps), default=0)
    bars = []
    for step in funnel.steps:
        width = 0.0
        if widest and step.people:
            width = max(MIN_WIDTH, 100.0 * step.people / widest)
        bars.append(FunnelBar(step, _fmt((100.0 - width) / 2), _fmt(width)))
    return bars
