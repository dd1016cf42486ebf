"""review decisions as data, versions never cascade-deleted, an append-only and indexed audit trail

- review_decisions: one append-only row per decided version; the plan's review state is derived from it,
  so business_plans.status goes. A plan whose status was changes_requested gets a decision on its latest
  version, with the note and the reviewer of its last plan.changes_requested audit event.
- plan_versions.plan_id: ON DELETE RESTRICT instead of CASCADE.
- audit_events: one index on (object_type, object_id) instead of object_id alone; triggers refuse UPDATE and
  DELETE (and TRUNCATE on PostgreSQL) of audit events and review decisions.

Revision ID: 7d3f9a41c6e8
Revises: 5c1e0a7d2b94
Create Date: 2026-12-03 13:40:00.000000

"""

import logging

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7d3f9a41c6e8"
down_revision = "5c1e0a7d2b94"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

APPEND_ONLY = ("audit_events", "review_decisions")

business_plans = sa.table(
    "business_plans", sa.column("id", sa.Integer), sa.column("status", sa.String), sa.column("owner_id")
)
plan_versions = sa.table(
    "plan_versions", sa.column("id", sa.Integer), sa.column("plan_id", sa.Integer), sa.column("number")
)
review_decisions = sa.table(
    "review_decisions",
    sa.column("id", sa.Integer),
    sa.column("version_id", sa.Integer),
    sa.column("reviewer_id", sa.Integer),
    sa.column("decision", sa.String),
    sa.column("note", sa.Text),
    sa.column("decided_at", sa.DateTime(timezone=True)),
)
audit_events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.Integer),
    sa.column("after", sa.JSON),
)
mentor_assignments = sa.table(
    "mentor_assignments",
    sa.column("mentor_id", sa.Integer),
    sa.column("trainee_id", sa.Integer),
    sa.column("ended_at", sa.DateTime(timezone=True)),
)


def upgrade():
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=24), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_review_decisions_reviewer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["plan_versions.id"],
            name=op.f("fk_review_decisions_version_id_plan_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
        sa.UniqueConstraint("version_id", name=op.f("uq_review_decisions_version_id")),
    )
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_decisions_reviewer_id"), ["reviewer_id"], unique=False)

    _decisions_from_status()

    with op.batch_alter_table("business_plans", schema=None) as batch_op:
        batch_op.drop_column("status")

    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_plan_versions_plan_id_business_plans", type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_plan_versions_plan_id_business_plans"),
            "business_plans",
            ["plan_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_object_id")
        batch_op.create_index("ix_audit_events_object", ["object_type", "object_id"], unique=False)

    # Last: a table rebuilt by a batch operation on SQLite would lose its triggers.
    for table in APPEND_ONLY:
        _create_append_only_triggers(table)


def downgrade():
    for table in APPEND_ONLY:
        _drop_append_only_triggers(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION refuse_change_of_append_only_row()")

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_object")
        batch_op.create_index("ix_audit_events_object_id", ["object_id"], unique=False)

    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_plan_versions_plan_id_business_plans", type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_plan_versions_plan_id_business_plans"),
            "business_plans",
            ["plan_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("business_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=24), nullable=True))
    _status_from_decisions()
    with op.batch_alter_table("business_plans", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=24), nullable=False)

    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_decisions_reviewer_id"))
    op.drop_table("review_decisions")


def _decisions_from_status():
    """Each plan sent back gets a decision on its latest version, recovered from its audit trail."""
    bind = op.get_bind()
    sent_back = bind.execute(
        sa.select(business_plans.c.id, business_plans.c.owner_id).where(
            business_plans.c.status == "changes_requested"
        )
    ).all()
    for plan_id, owner_id in sent_back:
        version_id = bind.execute(
            sa.select(plan_versions.c.id)
            .where(plan_versions.c.plan_id == plan_id)
            .order_by(plan_versions.c.number.desc())
            .limit(1)
        ).scalar()
        if version_id is None:
            log.warning("plan %s was marked as sent back but has no version: left as a draft", plan_id)
            continue
        event = bind.execute(
            sa.select(audit_events.c.actor_id, audit_events.c.occurred_at, audit_events.c.after)
            .where(
                audit_events.c.action == "plan.changes_requested",
                audit_events.c.object_type == "business_plan",
                audit_events.c.object_id == plan_id,
            )
            .order_by(audit_events.c.id.desc())
            .limit(1)
        ).first()
        reviewer_id = event.actor_id if event is not None else None
        if reviewer_id is None:  # no audit event: the trainee's current mentor sent it back
            reviewer_id = bind.execute(
                sa.select(mentor_assignments.c.mentor_id).where(
                    mentor_assignments.c.trainee_id == owner_id, mentor_assignments.c.ended_at.is_(None)
                )
            ).scalar()
        if reviewer_id is None:
            log.warning("plan %s was sent back by no known reviewer: it waits for review again", plan_id)
            continue
        bind.execute(
            review_decisions.insert().values(
                version_id=version_id,
                reviewer_id=reviewer_id,
                decision="changes_requested",
                note=str((event.after or {}).get("note") or "") if event is not None else "",
                decided_at=event.occurred_at if event is not None else sa.func.now(),
            )
        )


def _status_from_decisions():
    """The stored status again, derived as the application derives it."""
    bind = op.get_bind()
    latest = (
        sa.select(plan_versions.c.plan_id, sa.func.max(plan_versions.c.number).label("number"))
        .group_by(plan_versions.c.plan_id)
        .subquery()
    )
    rows = bind.execute(
        sa.select(latest.c.plan_id, latest.c.number, review_decisions.c.decision)
        .select_from(latest)
        .join(
            plan_versions,
            (plan_versions.c.plan_id == latest.c.plan_id) & (plan_versions.c.number == latest.c.number),
        )
        .outerjoin(review_decisions, review_decisions.c.version_id == plan_versions.c.id)
    ).all()
    bind.execute(business_plans.update().values(status="draft"))
    for plan_id, number, decision in rows:
        status = decision or ("submitted" if number == 1 else "resubmitted")
        bind.execute(business_plans.update().where(business_plans.c.id == plan_id).values(status=status))


def _create_append_only_triggers(table):
    if op.get_bind().dialect.name == "postgresql":
        if table == APPEND_ONLY[0]:
            op.execute(
                """
                CREATE FUNCTION refuse_change_of_append_only_row() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
                        USING ERRCODE = 'restrict_violation';
                END
                $$
                """
            )
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
