"""Repayments from a bank statement: read a CSV of movements, show each row with its match or its problem,
then post the matched rows. Nothing is posted at preview time.

Reading: UTF-8 with or without a BOM, ";" or "," between columns (the first line decides), columns date,
amount, then reference/description (the rest of the line); a first line that is not a movement is a header.
Dates as 2027-03-15, 15/03/2027, 15.03.2027 or 15-03-2027; amounts in Italian (1.250,50) or English (1250.50)
notation. At most MAX_ROWS rows and forms.MAX_STATEMENT_BYTES bytes.

Matching: a reference holding a loan's number ("WB-12", as the loan page prints it) names that loan; else the
borrower's full name in the description names their only loan that is still being repaid. A row is then
refused if it is not a positive amount, is the same as another row of the file, duplicates a repayment already
posted on the loan (same day, amount and reference), or asks more than the loan still owes.

Each row's idempotency key is derived from its content, so importing the same file again posts nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance.errors import NumberError
from workbench.finance.money import CENT, ZERO, read_typed_number
from workbench.lending.models import Loan
from workbench.lending.position import payments_of, standing
from workbench.lending.repayment_models import BankImport, LoanPayment
from workbench.lending.repayments import MAX_PAYMENT, MAX_REFERENCE, Posted, post_repayment
from workbench.lending.reschedules import load_reschedules
from workbench.lending.services import schedule_of
from workbench.timeutil import programme_today, utcnow

MAX_ROWS = 1000
MAX_BYTES = 512 * 1024
_LOAN_NUMBER = re.compile(r"\bWB[- ]?(\d{1,9})\b", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")

MATCH = "match"
#: Why a row is not posted, as the preview says it.
PROBLEMS = {
    "bad_date": _l("The date cannot be read."),
    "bad_amount": _l("The amount cannot be read."),
    "not_incoming": _l("Not money received: only amounts above zero are repayments."),
    "future": _l("The date is in the future."),
    "no_match": _l("No loan found: put the loan number (WB-…) or the borrower's name in the reference."),
    "ambiguous": _l("More than one loan fits: post it by hand from the right loan's page."),
    "before_payout": _l("The date comes before the loan was paid out."),
    "same_in_file": _l("The same movement is already on another line of this file."),
    "duplicate": _l("A repayment with the same day, amount and reference is already posted on this loan."),
    "posted": _l("Already posted from an earlier import."),
    "overpayment": _l("More than the loan still owes."),
}


def loan_number(loan_id: int) -> str:
    """The loan's number as borrowers write it in a transfer's reference."""
    return f"WB-{loan_id}"


@dataclass
class PreviewRow:
    line: int
    paid_on: str  # ISO day, or the text as found when it cannot be read
    amount: str  # Decimal as text, or the text as found
    reference: str
    status: str  # MATCH or a key of PROBLEMS
    loan_id: int | None = None
    borrower: str = ""
    key: str = ""
    outcome: str = ""  # after posting: "posted", "already" or a message

    @property
    def matched(self) -> bool:
        return self.status == MATCH

    @property
    def problem(self) -> str:
        return str(PROBLEMS.get(self.status, "")) if not self.matched else ""

    @property
    def day(self) -> date | None:
        """The day read from the file, for the page to write in the reader's language; None when the text
        could not be read as one (the page then shows the text as found)."""
        if self.status == "bad_date":
            return None
        try:
            return date.fromisoformat(self.paid_on)
        except ValueError:
            return None

    @property
    def sum(self) -> Decimal | None:
        """The amount read from the file (a Decimal the page writes as money); None when it could not be."""
        if self.status in {"bad_date", "bad_amount"}:
            return None
        try:
            value = Decimal(self.amount)
        except ArithmeticError:
            return None
        return value if value.is_finite() else None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _fold(text: str) -> str:
    """Lower case without accents and with single spaces: names compare as people write them in a bank."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def read_day(text: str) -> date | None:
    text = text.strip()
    if len(text) > 10:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def read_bank_amount(text: str) -> Decimal | None:
    """A bank's amount, Italian decimal comma first; None when it cannot be read or is out of bounds."""
    try:
        amount = read_typed_number(text.strip(), ",")
    except NumberError:
        return None
    if abs(amount) > MAX_PAYMENT or amount != amount.quantize(CENT):
        return None
    return amount.quantize(CENT)


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise DomainError({"file": _("The file is too large: at most %(kb)d KB.", kb=MAX_BYTES // 1024)})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError({"file": _("Save the file as CSV in UTF-8 and upload it again.")}) from None
    if "\x00" in text:
        raise DomainError({"file": _("This is not a CSV file.")})
    return text


def split_rows(text: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of each non-empty line, with the separator of the first line."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    separator = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            rows.append((reader.line_num, cells))
            if len(rows) > MAX_ROWS + 1:
                raise DomainError({"file": _("At most %(count)d movements in one file.", count=MAX_ROWS)})
    except csv.Error:
        raise DomainError({"file": _("This is not a CSV file.")}) from None
    if rows and not any(c.isdigit() for c in rows[0][1][0]):  # a header line: its first column is a name
        rows = rows[1:]
    if len(rows) > MAX_ROWS:
        raise DomainError({"file": _("At most %(count)d movements in one file.", count=MAX_ROWS)})
    if not rows:
        raise DomainError({"file": _("The file has no movements.")})
    return rows


def row_key(paid_on: date, amount: Decimal, reference: str) -> str:
    digest = hashlib.sha256(f"{paid_on.isoformat()}|{amount}|{_fold(reference)}".encode()).hexdigest()
    return f"bank-{digest[:40]}"


def _candidates() -> tuple[dict[int, Loan], dict[str, list[Loan]]]:
    """Every loan by id, and by its borrower's folded name (one query)."""
    loans = list(db.session.scalars(select(Loan).join(Loan.borrower).order_by(Loan.id)))
    by_name: dict[str, list[Loan]] = {}
    for loan in loans:
        by_name.setdefault(_fold(loan.borrower.full_name), []).append(loan)
    return {loan.id: loan for loan in loans}, by_name


def preview(data: bytes, today: date | None = None) -> list[PreviewRow]:
    """Each movement of the file with its match or its problem; nothing is written."""
    today = today or programme_today()
    rows = split_rows(decode(data))
    by_id, by_name = _candidates()
    load_reschedules(by_id.values())  # the schedules in force, in one query
    payments = payments_of(by_id)
    kept = {loan_id: standing(rows_) for loan_id, rows_ in payments.items()}
    owed = {
        loan.id: sum((row.total for row in schedule_of(loan)), ZERO)
        - sum((p.amount for p in kept[loan.id]), ZERO)
        for loan in by_id.values()
    }
    used_keys = set(
        db.session.scalars(select(LoanPayment.idempotency_key).where(LoanPayment.source == "bank_import"))
    )
    seen: set[str] = set()
    found: list[PreviewRow] = []
    for line, cells in rows:
        cells = [cell.strip() for cell in cells]
        raw_day = cells[0] if cells else ""
        raw_amount = cells[1] if len(cells) > 1 else ""
        reference = " ".join(cell for cell in cells[2:] if cell)[:MAX_REFERENCE]
        row = PreviewRow(
            line=line, paid_on=raw_day[:40], amount=raw_amount[:40], reference=reference, status=""
        )
        found.append(row)
        paid_on = read_day(raw_day)
        amount = read_bank_amount(raw_amount) if len(raw_amount) <= 40 else None
        if paid_on is None:
            row.status = "bad_date"
            continue
        row.paid_on = paid_on.isoformat()
        if amount is None:
            row.status = "bad_amount"
            continue
        row.amount = str(amount)
        if amount <= 0:
            row.status = "not_incoming"
            continue
        if paid_on > today:
            row.status = "future"
            continue
        loan = _match(reference, by_id, by_name, owed)
        if loan is None or loan == "ambiguous":
            row.status = "ambiguous" if loan == "ambiguous" else "no_match"
            continue
        row.loan_id, row.borrower = loan.id, loan.borrower.full_name
        row.key = row_key(paid_on, amount, reference)
        if paid_on < loan.disbursed_on:
            row.status = "before_payout"
        elif row.key in seen:
            row.status = "same_in_file"
        elif row.key in used_keys:
            row.status = "posted"
        elif any(
            p.paid_on == paid_on and p.amount == amount and p.reference == reference for p in kept[loan.id]
        ):
            row.status = "duplicate"
        elif amount > owed[loan.id]:
            row.status = "overpayment"
        else:
            row.status = MATCH
            owed[loan.id] -= amount
        seen.add(row.key)
    return found


def _match(
    reference: str, by_id: dict[int, Loan], by_name: dict[str, list[Loan]], owed: dict[int, Decimal]
) -> Loan | str | None:
    numbers = {int(n) for n in _LOAN_NUMBER.findall(reference)}
    if numbers:
        named = [by_id[n] for n in numbers if n in by_id]
        return named[0] if len(named) == 1 else ("ambiguous" if named else None)
    folded = f" {_fold(reference)} "
    fits = [
        loan
        for name, loans in by_name.items()
        if name and f" {name} " in folded
        for loan in loans
        if owed[loan.id] > 0
    ]
    if len(fits) > 1:
        return "ambiguous"
    return fits[0] if fits else None


def store_preview(filename: str, rows: Iterable[PreviewRow], actor: User) -> BankImport:
    batch = BankImport(
        filename=(filename or "")[:255], rows=[row.as_json() for row in rows], uploaded_by_id=actor.id
    )
    db.session.add(batch)
    db.session.flush()
    matched = sum(1 for row in batch.rows if row["status"] == MATCH)
    record("bank_import.uploaded", batch, actor, after={"rows": len(batch.rows), "matched": matched})
    return batch


def rows_of(batch: BankImport) -> list[PreviewRow]:
    return [PreviewRow(**row) for row in batch.rows]


@dataclass(frozen=True)
class ImportResult:
    posted: int
    already: int
    refused: int


def post_matched(batch: BankImport, actor: User, today: date | None = None) -> ImportResult:
    """Post the matched rows of a preview, once: the preview is marked posted by compare-and-set, and each
    row carries its content's idempotency key, so a second press or a second officer posts nothing more."""
    claimed = db.session.execute(
        update(BankImport)
        .where(BankImport.id == batch.id, BankImport.posted_at.is_(None))
        .values(posted_at=utcnow(), posted_by_id=actor.id),
        execution_options={"synchronize_session": False},
    )
    if claimed.rowcount != 1:
        raise DomainError({"": _("These rows were already posted.")})
    rows = rows_of(batch)
    posted = already = refused = 0
    for row in rows:
        if not row.matched or row.loan_id is None:
            continue
        loan = db.session.get(Loan, row.loan_id)
        if loan is None:
            row.outcome = "refused"
            refused += 1
            continue
        try:
            with db.session.begin_nested():
                result: Posted = post_repayment(
                    loan,
                    paid_on=date.fromisoformat(row.paid_on),
                    amount=Decimal(row.amount),
                    reference=row.reference,
                    key=row.key,
                    actor=actor,
                    source="bank_import",
                    today=today,
                )
        except DomainError as error:
            row.outcome = "; ".join(error.errors.values())[:200]
            refused += 1
            continue
        if result.already:
            row.outcome = "already"
            already += 1
        else:
            row.outcome = "posted"
            posted += 1
    batch.rows = [row.as_json() for row in rows]
    record(
        "bank_import.posted", batch, actor, after={"posted": posted, "already": already, "refused": refused}
    )
    return ImportResult(posted, already, refused)
