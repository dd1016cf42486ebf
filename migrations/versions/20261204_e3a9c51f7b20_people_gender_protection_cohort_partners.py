"""people's gender and protection status, for the programme's reports; a cohort's partners

users.gender and users.protection_status: what a person tells the programme about themselves, for the funnel
and outcome reports (filters and counts by group). Both are sensitive: only managers see them. They are plain
nullable text columns, empty for everyone who was there before, so that erasing them is emptying them.
(A cohort's partners come with the training migration that follows.)

Revision ID: e3a9c51f7b20
Revises: 9d07bbd54a5d
Create Date: 2026-12-04 20:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e3a9c51f7b20"
down_revision = "9d07bbd54a5d"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gender", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("protection_status", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("protection_status")
        batch_op.drop_column("gender")
