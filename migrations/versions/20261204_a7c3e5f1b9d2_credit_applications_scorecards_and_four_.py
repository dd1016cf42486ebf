"""credit applications, scorecards and four-eyes proposals; a loan remembers the application it pays out

- credit_applications: a trainee's request for credit on one endorsed plan version; unique plan_version_id, so
  a double submit or a second tab applies once. Rows are never changed (triggers).
- scorecard_versions: the scorecard's criteria, weights and bands; a change is a new row (triggers).
- application_scores: an officer's score, numbered per application; unique (application_id, sequence) makes
  two officers scoring from the same state store one score (triggers).
- proposals: four-eyes decisions on any subject (subject_type, subject_id, action); a partial unique index
  keeps one proposal waiting per subject; the outcome is written once (a trigger refuses changing a decided
  row, and deleting any).
- loans.application_id: unique, so an application is paid out once.

Revision ID: a7c3e5f1b9d2
Revises: c8447dbe2f35
Create Date: 2026-12-04 15:27:15.969241

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e5f1b9d2"
down_revision = "c8447dbe2f35"
branch_labels = None
depends_on = None

#: Tables of record: rows are added, never changed or removed.
APPEND_ONLY = ("credit_applications", "scorecard_versions", "application_scores")


def upgrade():
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_proposals_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_proposals_proposed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_proposed_by_id"), ["proposed_by_id"], unique=False)
        batch_op.create_index("ix_proposals_subject", ["subject_type", "subject_id"], unique=False)
        batch_op.create_index(
            "uq_proposals_pending_subject",
            ["subject_type", "subject_id"],
            unique=True,
            postgresql_where=sa.text("outcome IS NULL"),
            sqlite_where=sa.text("outcome IS NULL"),
        )

    op.create_table(
        "scorecard_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("recommend_from", sa.Integer(), nullable=False),
        sa.Column("discuss_from", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_scorecard_versions_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecard_versions")),
        sa.UniqueConstraint("number", name=op.f("uq_scorecard_versions_number")),
    )
    op.create_table(
        "credit_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_version_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("grace_months", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("legal_form", sa.String(length=20), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["users.id"], name=op.f("fk_credit_applications_applicant_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["plan_version_id"],
            ["plan_versions.id"],
            name=op.f("fk_credit_applications_plan_version_id_plan_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_applications")),
        sa.UniqueConstraint("plan_version_id", name=op.f("uq_credit_applications_plan_version_id")),
    )
    with op.batch_alter_table("credit_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_applications_applicant_id"), ["applicant_id"], unique=False
        )

    op.create_table(
        "application_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("scorecard_version_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("total", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("computed_band", sa.String(length=20), nullable=False),
        sa.Column("band", sa.String(length=20), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["credit_applications.id"],
            name=op.f("fk_application_scores_application_id_credit_applications"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["users.id"], name=op.f("fk_application_scores_officer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["scorecard_version_id"],
            ["scorecard_versions.id"],
            name=op.f("fk_application_scores_scorecard_version_id_scorecard_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_scores")),
        sa.UniqueConstraint("application_id", "sequence", name=op.f("uq_application_scores_application_id")),
    )
    with op.batch_alter_table("application_scores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_scores_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_application_scores_officer_id"), ["officer_id"], unique=False)

    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("application_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_loans_application_id"), ["application_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_loans_application_id_credit_applications"),
            "credit_applications",
            ["application_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    # Last: a table rebuilt by a batch operation on SQLite would lose its triggers.
    for table in APPEND_ONLY:
        _create_append_only_triggers(table)
    _create_proposal_triggers()


def downgrade():
    _drop_proposal_triggers()
    for table in APPEND_ONLY:
        _drop_append_only_triggers(table)
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_loans_application_id_credit_applications"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_loans_application_id"), type_="unique")
        batch_op.drop_column("application_id")

    with op.batch_alter_table("application_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_scores_officer_id"))
        batch_op.drop_index(batch_op.f("ix_application_scores_application_id"))

    op.drop_table("application_scores")
    with op.batch_alter_table("credit_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_applications_applicant_id"))

    op.drop_table("credit_applications")
    op.drop_table("scorecard_versions")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_proposals_pending_subject",
            postgresql_where=sa.text("outcome IS NULL"),
            sqlite_where=sa.text("outcome IS NULL"),
        )
        batch_op.drop_index("ix_proposals_subject")
        batch_op.drop_index(batch_op.f("ix_proposals_proposed_by_id"))

    op.drop_table("proposals")


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


def _create_proposal_triggers():
    """A proposal is decided once: a decided row is never changed again, and no row is deleted."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION refuse_change_of_decided_proposal() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND OLD.outcome IS NULL THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'proposals are decided once: % refused', TG_OP
                    USING ERRCODE = 'restrict_violation';
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER proposals_decided_once BEFORE UPDATE OR DELETE ON proposals "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change_of_decided_proposal()"
        )
        op.execute(
            "CREATE TRIGGER proposals_no_truncate BEFORE TRUNCATE ON proposals "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_append_only_row()"
        )
        return
    op.execute(
        "CREATE TRIGGER proposals_decided_once BEFORE UPDATE ON proposals WHEN OLD.outcome IS NOT NULL "
        "BEGIN SELECT RAISE(ABORT, 'proposals are decided once: UPDATE refused'); END"
    )
    op.execute(
        "CREATE TRIGGER proposals_no_delete BEFORE DELETE ON proposals "
        "BEGIN SELECT RAISE(ABORT, 'proposals are decided once: DELETE refused'); END"
    )


def _drop_proposal_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER proposals_decided_once ON proposals")
        op.execute("DROP TRIGGER proposals_no_truncate ON proposals")
        op.execute("DROP FUNCTION refuse_change_of_decided_proposal()")
        return
    op.execute("DROP TRIGGER proposals_decided_once")
    op.execute("DROP TRIGGER proposals_no_delete")
