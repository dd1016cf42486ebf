"""monthly actuals of financed businesses, entered after the payout and set beside the plan they were lent on

A financed business's sales, running costs and closing cash, one row per loan and calendar month (the first
day of the month). The unique (loan_id, month) key lets the first of two tabs saving the same month win and
also indexes a loan's months; ``revision`` is the compare-and-set counter of later saves. Money is
Numeric(14, 2); sales and costs cannot be below zero, closing cash can (an overdrawn account).

Revision ID: 268f021dbf8d
Revises: 907fae516c96
Create Date: 2026-12-03 16:44:22.936344

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "268f021dbf8d"
down_revision = "907fae516c96"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "monthly_actuals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("sales", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("costs", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("closing_cash", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("costs >= 0", name=op.f("ck_monthly_actuals_costs_not_negative")),
        sa.CheckConstraint("sales >= 0", name=op.f("ck_monthly_actuals_sales_not_negative")),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["users.id"], name=op.f("fk_monthly_actuals_entered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_monthly_actuals_loan_id_loans"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_actuals")),
        sa.UniqueConstraint("loan_id", "month", name=op.f("uq_monthly_actuals_loan_id")),
    )


def downgrade():
    op.drop_table("monthly_actuals")
