"""loan installments: each loan's schedule as rows, so the portfolio's figures are summed in SQL

loan_installments holds one row per installment and schedule version (1: the contract's; a confirmed
reschedule adds the next), never changed (append-only triggers, as the repayments migration's). The
existing loans get their version 1 here, computed by the finance core's build_schedule (a pure module with
no Flask or SQLAlchemy: what the app computes for the same loan).

Revision ID: e4a1c9b7d352
Revises: 5d2b8e4f7a61
Create Date: 2026-12-04 20:05:00.000000

"""

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e4a1c9b7d352"
down_revision = "5d2b8e4f7a61"
branch_labels = None
depends_on = None

TABLE = "loan_installments"


def upgrade():
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("principal", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("interest", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("balance", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("due_before", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("late_after", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_loan_installments_loan_id_loans"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_installments")),
        sa.UniqueConstraint("loan_id", "version", "number", name=op.f("uq_loan_installments_loan_id")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(
            "ix_loan_installments_reached", ["loan_id", "version", "due_before"], unique=False
        )
        batch_op.create_index("ix_loan_installments_due", ["loan_id", "version", "due_on"], unique=False)
    _backfill()
    _create_append_only_triggers(TABLE)


def _backfill() -> None:
    from workbench.finance.schedule import build_schedule

    conn = op.get_bind()
    loans = conn.execute(
        sa.text(
            "SELECT id, principal, annual_rate, term_months, grace_months, method, first_due_on, "
            "disbursed_on, day_count, first_period, rounding, installment_unit, interest, grace, "
            "late_tolerance_days "
            "FROM loans ORDER BY id"
        )
    ).all()
    money = sa.Numeric(precision=14, scale=2)
    table = sa.table(
        TABLE,
        sa.column("loan_id", sa.Integer()),
        sa.column("version", sa.Integer()),
        sa.column("number", sa.Integer()),
        sa.column("due_on", sa.Date()),
        sa.column("principal", money),
        sa.column("interest", money),
        sa.column("total", money),
        sa.column("balance", money),
        sa.column("due_before", money),
        sa.column("late_after", sa.Date()),
    )
    for loan in loans:
        first_due, disbursed = (_day(loan.first_due_on), _day(loan.disbursed_on))
        schedule = build_schedule(
            Decimal(str(loan.principal)),
            Decimal(str(loan.annual_rate)),
            loan.term_months,
            loan.grace_months,
            loan.method,
            first_due,
            conventions={
                "day_count": loan.day_count,
                "first_period": loan.first_period,
                "rounding": loan.rounding,
                "installment_unit": str(loan.installment_unit),
                "interest": loan.interest,
                "grace": loan.grace,
                "late_tolerance_days": loan.late_tolerance_days,
            },
            disbursed_on=disbursed,
        )
        before = Decimal("0.00")
        rows = []
        for row in schedule:
            rows.append(
                {
                    "loan_id": loan.id,
                    "version": 1,
                    "number": row.number,
                    "due_on": row.due_date,
                    "principal": row.principal,
                    "interest": row.interest,
                    "total": row.total,
                    "balance": row.balance,
                    "due_before": before,
                    "late_after": row.due_date + timedelta(days=loan.late_tolerance_days),
                }
            )
            before += row.total
        if rows:
            op.bulk_insert(table, rows)


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _create_append_only_triggers(table):
    """The same triggers as the audit trail's; PostgreSQL's function refuse_change_of_append_only_row() was
    made by the review-decisions migration."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_append_only_row()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only: {verb} refused'); END"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {TABLE}_append_only ON {TABLE}")
        op.execute(f"DROP TRIGGER {TABLE}_no_truncate ON {TABLE}")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER {TABLE}_no_{verb}")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index("ix_loan_installments_due")
        batch_op.drop_index("ix_loan_installments_reached")
    op.drop_table(TABLE)
