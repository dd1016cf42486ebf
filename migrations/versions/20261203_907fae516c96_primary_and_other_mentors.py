"""primary and other mentors: a trainee has one current primary mentor and may have other current mentors

- mentor_assignments.is_primary: every existing assignment was the trainee's one mentor, so each becomes
  primary (ended ones too: the history says who was the mentor then).
- Two partial unique indexes hold the rules the services keep, on SQLite and PostgreSQL alike: at most one
  current primary per trainee, at most one current assignment per (mentor, trainee).
- Rows the old code could leave behind that break them (two managers assigning at the same moment): a second
  current assignment of the same pair ends; of several current mentors of one trainee, the latest assigned
  stays primary and the others stay as other mentors, so every mentor keeps seeing whom they saw.

Downgrade: back to one current mentor per trainee; current other mentors' assignments end.

Revision ID: 907fae516c96
Revises: 8fef9fd0a9a7
Create Date: 2026-12-03 16:44:02.494705

"""

import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "907fae516c96"
down_revision = "8fef9fd0a9a7"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

CURRENT = "ended_at IS NULL"

mentor_assignments = sa.table(
    "mentor_assignments",
    sa.column("id", sa.Integer),
    sa.column("mentor_id", sa.Integer),
    sa.column("trainee_id", sa.Integer),
    sa.column("is_primary", sa.Boolean),
    sa.column("assigned_at", sa.DateTime(timezone=True)),
    sa.column("ended_at", sa.DateTime(timezone=True)),
)


def upgrade():
    with op.batch_alter_table("mentor_assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_primary", sa.Boolean(), nullable=False, server_default=sa.true()))

    _one_current_row_per_pair_and_one_primary_per_trainee()

    with op.batch_alter_table("mentor_assignments", schema=None) as batch_op:
        batch_op.alter_column("is_primary", existing_type=sa.Boolean(), server_default=None)
        batch_op.create_index(
            "uq_mentor_assignments_current_pair",
            ["mentor_id", "trainee_id"],
            unique=True,
            sqlite_where=sa.text(CURRENT),
            postgresql_where=sa.text(CURRENT),
        )
        batch_op.create_index(
            "uq_mentor_assignments_current_primary",
            ["trainee_id"],
            unique=True,
            sqlite_where=sa.text(f"{CURRENT} AND is_primary"),
            postgresql_where=sa.text(f"{CURRENT} AND is_primary"),
        )


def downgrade():
    with op.batch_alter_table("mentor_assignments", schema=None) as batch_op:
        batch_op.drop_index("uq_mentor_assignments_current_primary")
        batch_op.drop_index("uq_mentor_assignments_current_pair")

    ended = op.get_bind().execute(
        mentor_assignments.update()
        .where(mentor_assignments.c.ended_at.is_(None), mentor_assignments.c.is_primary.is_(False))
        .values(ended_at=datetime.now(UTC))
    )
    if ended.rowcount:
        log.warning("%d current assignments of other mentors ended: one mentor per trainee", ended.rowcount)

    with op.batch_alter_table("mentor_assignments", schema=None) as batch_op:
        batch_op.drop_column("is_primary")


def _one_current_row_per_pair_and_one_primary_per_trainee():
    bind = op.get_bind()
    now = datetime.now(UTC)
    current = bind.execute(
        sa.select(mentor_assignments.c.id, mentor_assignments.c.mentor_id, mentor_assignments.c.trainee_id)
        .where(mentor_assignments.c.ended_at.is_(None))
        .order_by(mentor_assignments.c.assigned_at.desc(), mentor_assignments.c.id.desc())
    ).all()
    seen_pairs: set[tuple[int, int]] = set()
    primary_of: dict[int, int] = {}
    for assignment_id, mentor_id, trainee_id in current:  # the latest assigned first
        if (mentor_id, trainee_id) in seen_pairs:
            log.warning(
                "assignment %s repeated a current one of the same mentor and trainee: ended", assignment_id
            )
            bind.execute(
                mentor_assignments.update()
                .where(mentor_assignments.c.id == assignment_id)
                .values(ended_at=now, is_primary=False)
            )
            continue
        seen_pairs.add((mentor_id, trainee_id))
        if trainee_id in primary_of:
            log.warning(
                "trainee %s had several current mentors: assignment %s is another mentor",
                trainee_id,
                assignment_id,
            )
            bind.execute(
                mentor_assignments.update()
                .where(mentor_assignments.c.id == assignment_id)
                .values(is_primary=False)
            )
            continue
        primary_of[trainee_id] = assignment_id
