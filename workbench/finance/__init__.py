"""The finance core: exact loan schedules, cash-flow projections, plan metrics and portfolio indicators.

Pure Python (plus numpy inside the projection): no Flask, no SQLAlchemy, no I/O, nothing from the rest of
``workbench``; tests/finance/test_finance_purity.py enforces it. Money is Decimal rounded to cents HALF_UP;
each module's docstring states its formulas and roundings.
"""

from .apr import AprError, annual_percentage_rate, annual_percentage_rate_by_periods
from .assumptions import Assumptions, Scenario, parse_assumptions, parse_scenario
from .conventions import DEFAULT_CONVENTIONS, Conventions, parse_conventions
from .errors import AssumptionsError, FieldError, FinanceError, OverpaymentError, PaymentError
from .metrics import IrrResult, irr, npv, payback_month
from .portfolio import LoanPosition, PortfolioIndicators, loan_position, portfolio_indicators
from .projection import ROWS, PlanMetrics, ProjectionResult, project
from .schedule import Installment, build_schedule

__all__ = [
    "DEFAULT_CONVENTIONS",
    "ROWS",
    "AprError",
    "Assumptions",
    "AssumptionsError",
    "Conventions",
    "FieldError",
    "FinanceError",
    "Installment",
    "IrrResult",
    "LoanPosition",
    "OverpaymentError",
    "PaymentError",
    "PlanMetrics",
    "PortfolioIndicators",
    "ProjectionResult",
    "Scenario",
    "annual_percentage_rate",
    "annual_percentage_rate_by_periods",
    "build_schedule",
    "irr",
    "loan_position",
    "npv",
    "parse_assumptions",
    "parse_conventions",
    "parse_scenario",
    "payback_month",
    "portfolio_indicators",
    "project",
]
