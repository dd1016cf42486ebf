"""training modules and attendance, cohort partners and completion share, individual pathways and budgets

- cohorts: partners (free text, one per line), completion_share (percent of the module hours a trainee
  attends to complete the training, 1..100, 80 for the existing cohorts), revision (compare-and-set of the
  cohort's details).
- training_modules: a cohort's modules (title unique in the cohort, hours > 0 with one decimal, date).
- attendances: hours attended per (module, enrolment), unique, not below zero, with a revision.
- pathway_goals, pathway_services: a trainee's individual action plan.
- budget_grants: the individual budget ("dote") granted per (trainee, category), unique, not below zero.
- budget_spendings: what is spent of a grant, and reversals (unique reverses_id, unique idempotency_key);
  a table of record: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL), with the function the
  review-decisions migration made.

Revision ID: 7c7bd150bced
Revises: e3a9c51f7b20
Create Date: 2026-12-04 19:21:58.428074

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7c7bd150bced"
down_revision = "e3a9c51f7b20"
branch_labels = None
depends_on = None

#: Tables of record: rows are added, never changed or removed.
APPEND_ONLY = ("budget_spendings",)


def upgrade():
    # First, while nothing new points at it: adding the check rebuilds the table on SQLite.
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partners", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("completion_share", sa.Integer(), server_default="80", nullable=False))
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_check_constraint(
            op.f("ck_cohorts_completion_share_percent"), "completion_share BETWEEN 1 AND 100"
        )

    op.create_table(
        "budget_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_budget_grants_amount_not_negative")),
        sa.ForeignKeyConstraint(["trainee_id"], ["users.id"], name=op.f("fk_budget_grants_trainee_id_users")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_budget_grants_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_grants")),
        sa.UniqueConstraint("trainee_id", "category", name=op.f("uq_budget_grants_trainee_id")),
    )
    op.create_table(
        "pathway_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("agreed_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('open', 'achieved', 'dropped')", name=op.f("ck_pathway_goals_status")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_pathway_goals_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(["trainee_id"], ["users.id"], name=op.f("fk_pathway_goals_trainee_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_goals")),
    )
    with op.batch_alter_table("pathway_goals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pathway_goals_trainee_id"), ["trainee_id"], unique=False)

    op.create_table(
        "pathway_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("provider", sa.String(length=120), nullable=True),
        sa.Column("offered_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('offered', 'taken_up', 'declined')", name=op.f("ck_pathway_services_status")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_pathway_services_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_pathway_services_trainee_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_services")),
    )
    with op.batch_alter_table("pathway_services", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pathway_services_trainee_id"), ["trainee_id"], unique=False)

    op.create_table(
        "training_modules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("hours", sa.Numeric(precision=4, scale=1), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("hours > 0", name=op.f("ck_training_modules_hours_positive")),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_training_modules_cohort_id_cohorts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_modules")),
        sa.UniqueConstraint("cohort_id", "title", name=op.f("uq_training_modules_cohort_id")),
    )
    op.create_table(
        "attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=4, scale=1), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("hours >= 0", name=op.f("ck_attendances_hours_not_negative")),
        sa.ForeignKeyConstraint(
            ["enrolment_id"], ["enrolments.id"], name=op.f("fk_attendances_enrolment_id_enrolments")
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["training_modules.id"],
            name=op.f("fk_attendances_module_id_training_modules"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_attendances_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendances")),
        sa.UniqueConstraint("module_id", "enrolment_id", name=op.f("uq_attendances_module_id")),
    )
    with op.batch_alter_table("attendances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendances_enrolment_id"), ["enrolment_id"], unique=False)

    op.create_table(
        "budget_spendings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=40), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('spending', 'reversal')", name=op.f("ck_budget_spendings_kind")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_budget_spendings_amount_positive")),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["budget_grants.id"],
            name=op.f("fk_budget_spendings_grant_id_budget_grants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_budget_spendings_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["budget_spendings.id"],
            name=op.f("fk_budget_spendings_reverses_id_budget_spendings"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_spendings")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_budget_spendings_idempotency_key")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_budget_spendings_reverses_id")),
    )
    with op.batch_alter_table("budget_spendings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_spendings_grant_id"), ["grant_id"], unique=False)

    # Last: a table rebuilt by a batch operation on SQLite would lose its triggers.
    for table in APPEND_ONLY:
        _create_append_only_triggers(table)


def downgrade():
    for table in APPEND_ONLY:
        _drop_append_only_triggers(table)
    with op.batch_alter_table("budget_spendings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_spendings_grant_id"))

    op.drop_table("budget_spendings")
    with op.batch_alter_table("attendances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendances_enrolment_id"))

    op.drop_table("attendances")
    op.drop_table("training_modules")
    with op.batch_alter_table("pathway_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathway_services_trainee_id"))

    op.drop_table("pathway_services")
    with op.batch_alter_table("pathway_goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathway_goals_trainee_id"))

    op.drop_table("pathway_goals")
    op.drop_table("budget_grants")
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_cohorts_completion_share_percent"), type_="check")
        batch_op.drop_column("revision")
        batch_op.drop_column("completion_share")
        batch_op.drop_column("partners")


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
