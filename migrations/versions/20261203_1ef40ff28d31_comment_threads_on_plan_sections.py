"""comment threads on plan sections: threads, comments, mentions, resolve and reopen events, read markers

- comment_threads: a conversation anchored to (plan, version or draft, section key, optional question key),
  optionally quoting the exact passage; unique (started_by_id, client_token), so the same form posted twice
  starts one thread.
- thread_comments: the comments and replies, plain text; unique (author_id, client_token) for the same reason.
- comment_mentions: the "@name" of a participant in a comment, resolved when it was posted, with its place.
- thread_events: resolved / reopened, who and when, numbered per thread; unique (thread_id, sequence), so of
  two changes made from the same state exactly one is stored. A thread's state is derived from these rows.
- thread_reads: how far each person has read each thread (the inbox's unread counts); the one mutable table.

Threads, comments, mentions and events are tables of record: triggers refuse UPDATE and DELETE (and TRUNCATE
on PostgreSQL), with the function the review-decisions migration made.

Revision ID: 1ef40ff28d31
Revises: 268f021dbf8d
Create Date: 2026-12-03 16:41:00.908937

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1ef40ff28d31"
down_revision = "268f021dbf8d"
branch_labels = None
depends_on = None

#: Tables of record: rows are added, never changed or removed.
APPEND_ONLY = ("comment_threads", "thread_comments", "comment_mentions", "thread_events")


def upgrade():
    op.create_table(
        "comment_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("section_key", sa.String(length=64), nullable=False),
        sa.Column("question_key", sa.String(length=64), nullable=True),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_token", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["business_plans.id"],
            name=op.f("fk_comment_threads_plan_id_business_plans"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["users.id"], name=op.f("fk_comment_threads_started_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["plan_versions.id"],
            name=op.f("fk_comment_threads_version_id_plan_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_threads")),
        sa.UniqueConstraint("started_by_id", "client_token", name=op.f("uq_comment_threads_started_by_id")),
    )
    with op.batch_alter_table("comment_threads", schema=None) as batch_op:
        batch_op.create_index("ix_comment_threads_plan_section", ["plan_id", "section_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_threads_started_by_id"), ["started_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_threads_version_id"), ["version_id"], unique=False)

    op.create_table(
        "thread_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_token", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_thread_comments_author_id_users")),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["comment_threads.id"],
            name=op.f("fk_thread_comments_thread_id_comment_threads"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_comments")),
        sa.UniqueConstraint("author_id", "client_token", name=op.f("uq_thread_comments_author_id")),
    )
    with op.batch_alter_table("thread_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_thread_comments_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_thread_comments_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "thread_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_thread_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["comment_threads.id"],
            name=op.f("fk_thread_events_thread_id_comment_threads"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_events")),
        sa.UniqueConstraint("thread_id", "sequence", name=op.f("uq_thread_events_thread_id")),
    )
    with op.batch_alter_table("thread_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_thread_events_actor_id"), ["actor_id"], unique=False)

    op.create_table(
        "thread_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("last_comment_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["comment_threads.id"],
            name=op.f("fk_thread_reads_thread_id_comment_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_thread_reads_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_reads")),
        sa.UniqueConstraint("user_id", "thread_id", name=op.f("uq_thread_reads_user_id")),
    )
    with op.batch_alter_table("thread_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_thread_reads_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "comment_mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["thread_comments.id"],
            name=op.f("fk_comment_mentions_comment_id_thread_comments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_comment_mentions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_mentions")),
        sa.UniqueConstraint("comment_id", "start", name=op.f("uq_comment_mentions_comment_id")),
    )
    with op.batch_alter_table("comment_mentions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_mentions_user_id"), ["user_id"], unique=False)

    # Last: a table rebuilt by a batch operation on SQLite would lose its triggers.
    for table in APPEND_ONLY:
        _create_append_only_triggers(table)


def downgrade():
    for table in APPEND_ONLY:
        _drop_append_only_triggers(table)
    with op.batch_alter_table("comment_mentions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_mentions_user_id"))

    op.drop_table("comment_mentions")
    with op.batch_alter_table("thread_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_thread_reads_thread_id"))

    op.drop_table("thread_reads")
    with op.batch_alter_table("thread_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_thread_events_actor_id"))

    op.drop_table("thread_events")
    with op.batch_alter_table("thread_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_thread_comments_thread_id"))
        batch_op.drop_index(batch_op.f("ix_thread_comments_author_id"))

    op.drop_table("thread_comments")
    with op.batch_alter_table("comment_threads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_threads_version_id"))
        batch_op.drop_index(batch_op.f("ix_comment_threads_started_by_id"))
        batch_op.drop_index("ix_comment_threads_plan_section")

    op.drop_table("comment_threads")


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
