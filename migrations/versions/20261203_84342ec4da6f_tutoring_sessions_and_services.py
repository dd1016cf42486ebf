"""tutoring sessions and the auxiliary services delivered in them

Mentors log each session they hold with a trainee (date, minutes, channel, notes, next steps). The services
delivered are rows of their own, one per recognised category, so reports count them in SQL and a loan's
record can tell whether at least two were delivered during the assessment and during the repayment, as the
microcredit rules require. A session is corrected by compare-and-set on `revision`, never deleted; the
form's token is unique, so the same form sent twice logs one session.

Revision ID: 84342ec4da6f
Revises: f330c937d677
Create Date: 2026-12-03 16:40:23.012842

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "84342ec4da6f"
down_revision = "f330c937d677"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tutoring_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("submission_key", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('in_person', 'phone', 'video')", name=op.f("ck_tutoring_sessions_known_channel")
        ),
        sa.CheckConstraint(
            "minutes >= 5 AND minutes <= 600", name=op.f("ck_tutoring_sessions_minutes_bounded")
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["users.id"], name=op.f("fk_tutoring_sessions_mentor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_tutoring_sessions_trainee_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tutoring_sessions")),
        sa.UniqueConstraint("submission_key", name=op.f("uq_tutoring_sessions_submission_key")),
    )
    with op.batch_alter_table("tutoring_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tutoring_sessions_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index("ix_tutoring_sessions_trainee_held_on", ["trainee_id", "held_on"], unique=False)

    op.create_table(
        "tutoring_session_services",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "service IN ('strategy', 'training', 'sales', 'legal', 'diagnosis')",
            name=op.f("ck_tutoring_session_services_known_service"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["tutoring_sessions.id"],
            name=op.f("fk_tutoring_session_services_session_id_tutoring_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "service", name=op.f("pk_tutoring_session_services")),
    )


def downgrade():
    op.drop_table("tutoring_session_services")
    with op.batch_alter_table("tutoring_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_tutoring_sessions_trainee_held_on")
        batch_op.drop_index(batch_op.f("ix_tutoring_sessions_mentor_id"))
    op.drop_table("tutoring_sessions")
