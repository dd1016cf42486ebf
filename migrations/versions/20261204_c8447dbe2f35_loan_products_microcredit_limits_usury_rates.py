"""lending settings: loan products, the dated limits of Italian business microcredit, each quarter's TEGM

loan_products holds what the programme offers (ranges, methods, schedule conventions) with a revision for
compare-and-set edits and a unique name. microcredit_limits holds the law's limits from a date on (unique
date, a revision for corrections) and ships the three sets in force since 2014 as data rows
(workbench/lending/rules.py names the sources). usury_rates holds one published TEGM per class of loans
and quarter (unique pair).

Revision ID: c8447dbe2f35
Revises: 2c3dec17798b
Create Date: 2026-12-04 15:30:36.800075

"""

from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c8447dbe2f35"
down_revision = "2c3dec17798b"
branch_labels = None
depends_on = None

#: (effective_from, max_amount, max_amount_srl, max_term_months, source): as rules.DEFAULT_LIMITS, copied so
#: the migration never changes when the code does.
LIMITS = (
    (date(2014, 1, 1), Decimal("25000.00"), Decimal("25000.00"), 84, "art. 111 TUB; DM 176/2014"),
    (date(2020, 3, 17), Decimal("40000.00"), Decimal("40000.00"), 84, "DL 18/2020, art. 49"),
    (date(2024, 1, 12), Decimal("75000.00"), Decimal("100000.00"), 120, "l. 234/2021; DM 211/2023"),
)


def upgrade():
    op.create_table(
        "loan_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("min_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("max_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("min_rate", sa.Numeric(precision=7, scale=6), nullable=False),
        sa.Column("max_rate", sa.Numeric(precision=7, scale=6), nullable=False),
        sa.Column("max_term_months", sa.Integer(), nullable=False),
        sa.Column("max_grace_months", sa.Integer(), nullable=False),
        sa.Column("methods", sa.String(length=40), nullable=False),
        sa.Column("day_count", sa.String(length=16), nullable=False),
        sa.Column("first_period", sa.String(length=16), nullable=False),
        sa.Column("rounding", sa.String(length=16), nullable=False),
        sa.Column("installment_unit", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column("interest", sa.String(length=16), nullable=False),
        sa.Column("grace", sa.String(length=16), nullable=False),
        sa.Column("late_tolerance_days", sa.Integer(), nullable=False),
        sa.Column("legal_form_srl", sa.Boolean(), nullable=False),
        sa.Column("usury_class", sa.String(length=120), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_products")),
        sa.UniqueConstraint("name", name=op.f("uq_loan_products_name")),
    )
    limits = op.create_table(
        "microcredit_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("max_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("max_amount_srl", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("max_term_months", sa.Integer(), nullable=False),
        sa.Column("real_collateral_allowed", sa.Boolean(), nullable=False),
        sa.Column("tutoring_required", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_microcredit_limits_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_microcredit_limits")),
        sa.UniqueConstraint("effective_from", name=op.f("uq_microcredit_limits_effective_from")),
    )
    op.create_table(
        "usury_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_class", sa.String(length=120), nullable=False),
        sa.Column("quarter_start", sa.Date(), nullable=False),
        sa.Column("tegm", sa.Numeric(precision=7, scale=6), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_usury_rates_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usury_rates")),
        sa.UniqueConstraint("loan_class", "quarter_start", name=op.f("uq_usury_rates_loan_class")),
    )
    moment = datetime(2026, 12, 4, tzinfo=UTC)
    op.bulk_insert(
        limits,
        [
            {
                "effective_from": effective_from,
                "max_amount": max_amount,
                "max_amount_srl": max_amount_srl,
                "max_term_months": months,
                "real_collateral_allowed": False,
                "tutoring_required": True,
                "source": source,
                "revision": 1,
                "created_by_id": None,
                "created_at": moment,
            }
            for effective_from, max_amount, max_amount_srl, months, source in LIMITS
        ],
    )


def downgrade():
    op.drop_table("usury_rates")
    op.drop_table("microcredit_limits")
    op.drop_table("loan_products")
