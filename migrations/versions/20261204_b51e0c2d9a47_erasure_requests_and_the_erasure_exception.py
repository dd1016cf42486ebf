"""erasure requests, and erasure as the one exception to the append-only tables

- erasure_requests: a manager's record of a person's request to be erased (reason, day of the request, who
  recorded it), who confirmed it and when the erasure ran, what was kept and why (a loan's record under
  D.Lgs. 231/2007 art. 31) and how many rows each table had redacted. Domain data, not only the audit trail.
- erasure_in_progress: a row exists only inside the erasure's own transaction (inserted first, deleted before
  commit). While it exists, the tables of record that hold free text about a person accept an UPDATE (never a
  DELETE or TRUNCATE): the triggers are re-created with that one condition. On PostgreSQL no other
  transaction ever sees the row; SQLite has one writer, so no other writer runs meanwhile.

Revision ID: b51e0c2d9a47
Revises: 7c7bd150bced
Create Date: 2026-12-04 22:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b51e0c2d9a47"
down_revision = "7c7bd150bced"
branch_labels = None
depends_on = None

#: Tables of record whose rows may hold personal free text: an erasure redacts them in place.
ERASABLE = (
    "audit_events",
    "review_decisions",
    "comment_threads",
    "thread_comments",
    "budget_spendings",
    "credit_applications",
    "application_scores",
)

_REFUSE_BODY = """
    RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
"""

_ERASING = "EXISTS (SELECT 1 FROM erasure_in_progress)"


def upgrade():
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kept", sa.JSON(), nullable=True),
        sa.Column("redacted", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'erased', 'cancelled')", name=op.f("ck_erasure_requests_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["users.id"], name=op.f("fk_erasure_requests_person_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_erasure_requests_requested_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["users.id"], name=op.f("fk_erasure_requests_confirmed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
    )
    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasure_requests_person_id"), ["person_id"], unique=False)
    op.create_table(
        "erasure_in_progress",
        sa.Column("request_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_erasure_in_progress")),
    )
    _set_triggers(erasure_allowed=True)


def downgrade():
    _set_triggers(erasure_allowed=False)
    op.drop_table("erasure_in_progress")
    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_requests_person_id"))
    op.drop_table("erasure_requests")


def _set_triggers(*, erasure_allowed: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        _set_postgresql_functions(erasure_allowed)
        return
    for table in ERASABLE:
        op.execute(f"DROP TRIGGER {table}_no_update")
        when = f" WHEN NOT {_ERASING}" if erasure_allowed else ""
        op.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}{when} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only: UPDATE refused'); END"
        )
    op.execute("DROP TRIGGER proposals_decided_once")
    also = f" AND NOT {_ERASING}" if erasure_allowed else ""
    op.execute(
        "CREATE TRIGGER proposals_decided_once BEFORE UPDATE ON proposals "
        f"WHEN OLD.outcome IS NOT NULL{also} "
        "BEGIN SELECT RAISE(ABORT, 'proposals are decided once: UPDATE refused'); END"
    )


def _set_postgresql_functions(erasure_allowed: bool) -> None:
    """The functions the triggers call are replaced in place: the triggers themselves stay as they are."""
    tables = ", ".join(f"'{table}'" for table in ERASABLE)
    exception = (
        f"IF TG_OP = 'UPDATE' AND TG_TABLE_NAME IN ({tables}) AND {_ERASING} THEN RETURN NEW; END IF;"
        if erasure_allowed
        else ""
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION refuse_change_of_append_only_row() RETURNS trigger "
        "LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{exception}\n{_REFUSE_BODY}\nEND\n$$"
    )
    erasing = f" OR {_ERASING}" if erasure_allowed else ""
    op.execute(
        "CREATE OR REPLACE FUNCTION refuse_change_of_decided_proposal() RETURNS trigger "
        "LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        f"    IF TG_OP = 'UPDATE' AND (OLD.outcome IS NULL{erasing}) THEN\n"
        "        RETURN NEW;\n"
        "    END IF;\n"
        "    RAISE EXCEPTION 'proposals are decided once: % refused', TG_OP\n"
        "        USING ERRCODE = 'restrict_violation';\n"
        "END\n$$"
    )
