"""The finance core: exact loan schedules, cash-flow projections, plan metrics and portfolio indicators.

Pure Python (plus numpy inside the projection): no Flask, no SQLAlchemy, no I/O, nothing from the rest of
``workbench``; tests/finance/test_finance_purity.py enforces it. Money is Decimal rounded to cents HALF_UP;
each module's docstring states its formulas and roundings.
"""

from .errors import AssumptionsError, FieldError, FinanceError, OverpaymentError, PaymentError

__all__ = ["AssumptionsError", "FieldError", "FinanceError", "OverpaymentError", "PaymentError"]
