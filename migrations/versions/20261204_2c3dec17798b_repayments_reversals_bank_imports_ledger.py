"""repayments and reversals, bank statement imports, the double-entry ledger

- loan_payments: repayments received and reversals of them (a row pointing at the payment it takes back,
  unique, so a payment is reversed once); unique idempotency_key, so the same form or bank row posts once.
- bank_imports: a bank statement's rows as read and matched, kept as a preview until they are posted.
- journal_entries / journal_lines: the ledger; every disbursement, repayment, reversal and write-off writes
  balanced lines. The loans disbursed before this revision get their disbursement entry here.

loan_payments, journal_entries and journal_lines are tables of record: triggers refuse UPDATE and DELETE (and
TRUNCATE on PostgreSQL), with the function the review-decisions migration made.

Revision ID: 2c3dec17798b
Revises: 10bfe1e7f9a9
Create Date: 2026-12-04 15:27:14.022669

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2c3dec17798b"
down_revision = "10bfe1e7f9a9"
branch_labels = None
depends_on = None

#: Tables of record: rows are added, never changed or removed.
APPEND_ONLY = ("loan_payments", "journal_entries", "journal_lines")


def upgrade():
    op.create_table(
        "bank_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_by_id", sa.Integer(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["posted_by_id"], ["users.id"], name=op.f("fk_bank_imports_posted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_bank_imports_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_imports")),
    )
    with op.batch_alter_table("bank_imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_imports_uploaded_by_id"), ["uploaded_by_id"], unique=False)

    op.create_table(
        "loan_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("posted_by_id", sa.Integer(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('payment', 'reversal')", name=op.f("ck_loan_payments_kind")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_loan_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_loan_payments_loan_id_loans"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["posted_by_id"], ["users.id"], name=op.f("fk_loan_payments_posted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["loan_payments.id"],
            name=op.f("fk_loan_payments_reverses_id_loan_payments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_payments")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_loan_payments_idempotency_key")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_loan_payments_reverses_id")),
    )
    with op.batch_alter_table("loan_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_payments_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_loan_payments_posted_by_id"), ["posted_by_id"], unique=False)

    op.create_table(
        "journal_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('disbursement', 'repayment', 'reversal', 'write_off')",
            name=op.f("ck_journal_entries_kind"),
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_journal_entries_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_journal_entries_loan_id_loans"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["loan_payments.id"],
            name=op.f("fk_journal_entries_payment_id_loan_payments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entries")),
    )
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journal_entries_entry_date"), ["entry_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_journal_entries_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_journal_entries_payment_id"), ["payment_id"], unique=False)

    op.create_table(
        "journal_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=8), nullable=False),
        sa.Column("debit", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("credit", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.CheckConstraint(
            "account IN ('1010', '1200', '4000', '6900')", name=op.f("ck_journal_lines_account")
        ),
        sa.CheckConstraint("debit = 0 OR credit = 0", name=op.f("ck_journal_lines_one_side")),
        sa.CheckConstraint("debit >= 0 AND credit >= 0", name=op.f("ck_journal_lines_not_negative")),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_journal_lines_entry_id_journal_entries"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_lines")),
    )
    with op.batch_alter_table("journal_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journal_lines_account"), ["account"], unique=False)
        batch_op.create_index(batch_op.f("ix_journal_lines_entry_id"), ["entry_id"], unique=False)

    _post_earlier_disbursements()
    # Last: a table rebuilt by a batch operation on SQLite would lose its triggers.
    for table in APPEND_ONLY:
        _create_append_only_triggers(table)


def downgrade():
    for table in APPEND_ONLY:
        _drop_append_only_triggers(table)
    with op.batch_alter_table("journal_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_lines_entry_id"))
        batch_op.drop_index(batch_op.f("ix_journal_lines_account"))

    op.drop_table("journal_lines")
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_entries_payment_id"))
        batch_op.drop_index(batch_op.f("ix_journal_entries_loan_id"))
        batch_op.drop_index(batch_op.f("ix_journal_entries_entry_date"))

    op.drop_table("journal_entries")
    with op.batch_alter_table("loan_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loan_payments_posted_by_id"))
        batch_op.drop_index(batch_op.f("ix_loan_payments_loan_id"))

    op.drop_table("loan_payments")
    with op.batch_alter_table("bank_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_imports_uploaded_by_id"))

    op.drop_table("bank_imports")


def _post_earlier_disbursements():
    """Dr loans receivable / Cr bank for each loan already paid out, so the ledger starts complete."""
    bind = op.get_bind()
    loans = bind.execute(
        sa.text("SELECT id, principal, disbursed_on, disbursed_by_id FROM loans ORDER BY id")
    ).all()
    now = datetime.now(UTC)
    for loan_id, principal, disbursed_on, actor_id in loans:
        entry_id = bind.execute(
            sa.text(
                "INSERT INTO journal_entries (kind, entry_date, loan_id, payment_id, description, actor_id, "
                "created_at) VALUES ('disbursement', :day, :loan, NULL, :text, :actor, :now) RETURNING id"
            ),
            {"day": disbursed_on, "loan": loan_id, "text": f"Loan {loan_id}", "actor": actor_id, "now": now},
        ).scalar_one()
        for account, debit, credit in (("1200", principal, 0), ("1010", 0, principal)):
            bind.execute(
                sa.text(
                    "INSERT INTO journal_lines (entry_id, account, debit, credit) "
                    "VALUES (:entry, :account, :debit, :credit)"
                ),
                {"entry": entry_id, "account": account, "debit": debit, "credit": credit},
            )


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
