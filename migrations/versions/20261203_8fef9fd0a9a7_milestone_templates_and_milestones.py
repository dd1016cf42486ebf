"""milestone templates and milestones: what each trainee should reach, due some days after a journey event

- milestone_templates: kept by the programme's managers (title, responsible role, event, offset in days, on
  or off, order, a revision for compare-and-set). The built-in ones (VAT number, Chamber of Commerce, first
  sale, 3-, 6- and 12-month reviews) have a stable unique key and no stored title (it is translated); they
  are added on first use by workbench.mentoring.milestones.ensure_builtin_templates, so no data is inserted
  here.
- milestones: one per trainee and template, given when the event happens, with its due date fixed then;
  pending, done (evidence, who, when, sign-off) or waived (reason); overdue is derived, never stored. The
  same event never gives the same milestone twice: a partial unique index on (template, trainee) for the
  milestones without a loan, and a unique key on (template, loan) for the ones a disbursement gives. An
  index on (status, due_on) serves the overdue lists.

Revision ID: 8fef9fd0a9a7
Revises: 84342ec4da6f
Create Date: 2026-12-03 16:41:45.655859

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8fef9fd0a9a7"
down_revision = "84342ec4da6f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "milestone_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(length=160), nullable=True),
        sa.Column("responsible_role", sa.String(length=16), nullable=False),
        sa.Column("event", sa.String(length=24), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_templates")),
        sa.UniqueConstraint("key", name=op.f("uq_milestone_templates_key")),
    )
    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=True),
        sa.Column("responsible_role", sa.String(length=16), nullable=False),
        sa.Column("event", sa.String(length=24), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("waiver_reason", sa.Text(), nullable=True),
        sa.Column("waived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("waived_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_off_by_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["done_by_id"], ["users.id"], name=op.f("fk_milestones_done_by_id_users")),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_milestones_loan_id_loans"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["signed_off_by_id"], ["users.id"], name=op.f("fk_milestones_signed_off_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["milestone_templates.id"],
            name=op.f("fk_milestones_template_id_milestone_templates"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(["trainee_id"], ["users.id"], name=op.f("fk_milestones_trainee_id_users")),
        sa.ForeignKeyConstraint(
            ["waived_by_id"], ["users.id"], name=op.f("fk_milestones_waived_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
        sa.UniqueConstraint("template_id", "loan_id", name="uq_milestones_template_id_loan_id"),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index("ix_milestones_status_due_on", ["status", "due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_milestones_trainee_id"), ["trainee_id"], unique=False)
        batch_op.create_index(
            "uq_milestones_template_id_trainee_id",
            ["template_id", "trainee_id"],
            unique=True,
            sqlite_where=sa.text("loan_id IS NULL"),
            postgresql_where=sa.text("loan_id IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_milestones_template_id_trainee_id",
            sqlite_where=sa.text("loan_id IS NULL"),
            postgresql_where=sa.text("loan_id IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_milestones_trainee_id"))
        batch_op.drop_index("ix_milestones_status_due_on")

    op.drop_table("milestones")
    op.drop_table("milestone_templates")
