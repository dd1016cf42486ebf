"""loan reschedules, and the schedule version in force on each loan

- loan_reschedules: each confirmed reschedule of a loan, a new version of its schedule (2, 3... unique per
  loan) with the day it takes effect, the payments that stood then, the principal and the unpaid interest it
  carried over, the new terms, the reason and the four-eyes proposal it carries out (unique). A table of
  record: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL), with the function the
  review-decisions migration made.
- loans.schedule_version: the version in force, 1 for every loan until it is rescheduled, so a loan never
  rescheduled is read without looking for reschedules.

Revision ID: 9d07bbd54a5d
Revises: e4a1c9b7d352
Create Date: 2026-12-04 18:54:14.334788

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9d07bbd54a5d"
down_revision = "e4a1c9b7d352"
branch_labels = None
depends_on = None

#: Tables of record: rows are added, never changed or removed.
APPEND_ONLY = ("loan_reschedules",)


def upgrade():
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("schedule_version", sa.Integer(), server_default="1", nullable=False))

    op.create_table(
        "loan_reschedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("paid_to_date", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("principal_carried", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("interest_carried", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("annual_rate", sa.Numeric(precision=7, scale=6), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("grace_months", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("first_due_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "method IN ('annuity', 'equal_principal')", name=op.f("ck_loan_reschedules_method")
        ),
        sa.CheckConstraint(
            "paid_to_date >= 0 AND interest_carried >= 0", name=op.f("ck_loan_reschedules_not_negative")
        ),
        sa.CheckConstraint("principal_carried > 0", name=op.f("ck_loan_reschedules_principal_positive")),
        sa.CheckConstraint(
            "term_months >= 1 AND grace_months >= 0 AND grace_months < term_months",
            name=op.f("ck_loan_reschedules_term"),
        ),
        sa.CheckConstraint("version >= 2", name=op.f("ck_loan_reschedules_version_after_the_first")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_loan_reschedules_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_loan_reschedules_loan_id_loans"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_loan_reschedules_proposal_id_proposals"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_reschedules")),
        sa.UniqueConstraint("loan_id", "version", name=op.f("uq_loan_reschedules_loan_id")),
        sa.UniqueConstraint("proposal_id", name=op.f("uq_loan_reschedules_proposal_id")),
    )
    # Last: a table rebuilt by a batch operation on SQLite would lose its triggers.
    for table in APPEND_ONLY:
        _create_append_only_triggers(table)


def downgrade():
    for table in APPEND_ONLY:
        _drop_append_only_triggers(table)
    op.drop_table("loan_reschedules")
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_column("schedule_version")


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


def _drop_append_only_triggers(table):
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        return
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER {table}_no_{verb}")
