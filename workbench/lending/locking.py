"""One money movement of a loan at a time: the loan's row is held until the transaction ends."""

from __future__ import annotations

from sqlalchemy import select, update

from workbench.extensions import db
from workbench.lending.models import Loan


def lock_loan(loan: Loan) -> None:
    """Hold the loan's row (SELECT ... FOR UPDATE) so that repayments, reversals and write-offs of the same
    loan are decided one after the other, each seeing what the one before it committed."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: the first write takes the database's write lock, which serialises the same.
        db.session.execute(
            update(Loan).where(Loan.id == loan.id).values(term_months=Loan.term_months),
            execution_options={"synchronize_session": False},
        )
    db.session.scalars(
        select(Loan).where(Loan.id == loan.id).with_for_update().execution_options(populate_existing=True)
    ).one()
