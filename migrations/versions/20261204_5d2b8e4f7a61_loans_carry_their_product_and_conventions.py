"""loans carry the product they were made on and the schedule conventions of their contract

loans.product_id points at the loan product the terms were checked against (none for the loans recorded
before products existed). day_count, first_period, rounding, installment_unit, interest, grace and
late_tolerance_days are copied from the product at the payout, so a later change to the product never
changes a signed contract; existing loans take the defaults, which give the schedules they always had.

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


def upgrade():
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_id", sa.Integer(), nullable=True))
        for name, type_, default in CONVENTIONS:
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=default))
        batch_op.create_foreign_key(
            batch_op.f("fk_loans_product_id_loan_products"),
            "loan_products",
            ["product_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade():
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_loans_product_id_loan_products"), type_="foreignkey")
        for name, _type, _default in reversed(CONVENTIONS):
            batch_op.drop_column(name)
        batch_op.drop_column("product_id")
