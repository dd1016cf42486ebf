"""loans carry their product, its schedule conventions and the arrangement fee of their contract

loans.product_id points at the loan product the terms were checked against (none for the loans recorded
before products existed). day_count, first_period, rounding, installment_unit, interest, grace and
late_tolerance_days are copied from the product at the payout, so a later change to the product never
changes a signed contract; existing loans take the defaults, which give the schedules they always had.
loan_products.arrangement_fee and loans.arrangement_fee: the fee the borrower pays when the contract is
signed (0 for the existing rows), which the ledger records as a "fee" entry on the new account 4100, fee
income: the journal tables' checks admit both (on SQLite their tables are rebuilt, so their append-only
triggers are dropped first and made again after).

Revision ID: 5d2b8e4f7a61
Revises: a7c3e5f1b9d2
Create Date: 2026-12-04 19:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5d2b8e4f7a61"
down_revision = "a7c3e5f1b9d2"
branch_labels = None
depends_on = None

#: (column, type, server default): the finance core's default conventions, copied so the migration never
#: changes when the code does.
CONVENTIONS = (
    ("day_count", sa.String(length=16), "30/360"),
    ("first_period", sa.String(length=16), "whole_period"),
    ("rounding", sa.String(length=16), "half_up"),
    ("installment_unit", sa.Numeric(precision=4, scale=2), "0.01"),
    ("interest", sa.String(length=16), "declining"),
    ("grace", sa.String(length=16), "interest_only"),
    ("late_tolerance_days", sa.Integer(), "0"),
)


#: (table, check name, before, after): the journal's checks, as the repayments migration wrote them.
CHECKS = (
    (
        "journal_entries",
        "ck_journal_entries_kind",
        "kind IN ('disbursement', 'repayment', 'reversal', 'write_off')",
        "kind IN ('disbursement', 'repayment', 'reversal', 'write_off', 'fee')",
    ),
    (
        "journal_lines",
        "ck_journal_lines_account",
        "account IN ('1010', '1200', '4000', '6900')",
        "account IN ('1010', '1200', '4000', '4100', '6900')",
    ),
)


def _set_checks(which: int) -> None:
    """Each journal check as CHECKS's column `which` (2 before, 3 after) says."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, name, *texts in CHECKS:
        if sqlite:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(name), type_="check")
            batch_op.create_check_constraint(op.f(name), texts[which - 2])
        if sqlite:  # the same triggers as the repayments migration's
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only: {verb} refused'); END"
                )


def _fee() -> sa.Column:
    return sa.Column(
        "arrangement_fee", sa.Numeric(precision=14, scale=2), nullable=False, server_default="0.00"
    )


def upgrade():
    with op.batch_alter_table("loan_products", schema=None) as batch_op:
        batch_op.add_column(_fee())
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_id", sa.Integer(), nullable=True))
        batch_op.add_column(_fee())
        for name, type_, default in CONVENTIONS:
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=default))
        batch_op.create_foreign_key(
            batch_op.f("fk_loans_product_id_loan_products"),
            "loan_products",
            ["product_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    _set_checks(3)


def downgrade():
    _set_checks(2)
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_loans_product_id_loan_products"), type_="foreignkey")
        for name, _type, _default in reversed(CONVENTIONS):
            batch_op.drop_column(name)
        batch_op.drop_column("arrangement_fee")
        batch_op.drop_column("product_id")
    with op.batch_alter_table("loan_products", schema=None) as batch_op:
        batch_op.drop_column("arrangement_fee")
