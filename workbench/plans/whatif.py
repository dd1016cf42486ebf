"""The "what if" panel: three stress tests a lender asks about, alone or together, beside the base case."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from workbench.finance import Scenario


@dataclass(frozen=True)
class WhatIf:
    key: str
    label: Any


WHAT_IFS = (
    WhatIf("sales", _l("Sales down 20%")),
    WhatIf("costs", _l("Monthly costs up 10%")),
    WhatIf("delay", _l("Opening 2 months late")),
)
SALES_FACTOR = Decimal("0.8")
COST_FACTOR = Decimal("1.1")
DELAY_MONTHS = 2


def scenario_for(selected: Collection[str]) -> Scenario | None:
    """The stress scenario of the ticked boxes; None when none is ticked."""
    if not any(what_if.key in selected for what_if in WHAT_IFS):
        return None
    return Scenario(
        sales_factor=SALES_FACTOR if "sales" in selected else Decimal(1),
        cost_factor=COST_FACTOR if "costs" in selected else Decimal(1),
        delay_months=DELAY_MONTHS if "delay" in selected else 0,
    )
