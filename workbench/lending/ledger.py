"""The double-entry ledger of the loans: a small chart of accounts and the entries every movement writes.

Entries are written by the lending services in the same transaction as the money row they record:

- disbursement: Dr loans receivable / Cr bank, the principal;
- repayment: Dr bank, the amount / Cr interest income and Cr loans receivable, as the payment is allocated
  (oldest installment first, interest before principal: the change it makes to the loan's position);
- reversal: the opposite lines (Dr interest income, Dr loans receivable / Cr bank), again the change the
  reversal makes to the position, so later payments' allocation stays consistent;
- write-off: Dr write-offs / Cr loans receivable (:func:`post_write_off`), once two people agreed
  (loan_decisions.py);
- fee: Dr bank / Cr fee income (:func:`post_fee`: the arrangement fee paid when the contract is signed).

A written-off loan still takes repayments: they are recoveries. The principal a repayment brings goes to loans
receivable while the loan has a balance there (a partial write-off left some), and the rest to Cr write-offs:
money recovered on what was written off reduces the loss. A reversal undoes it the same way round (Dr
write-offs for what had been recovered, then Dr loans receivable). Interest is income when it is paid, before
or after a write-off.

So debits = credits in every entry, and the loans receivable balance of a loan = its outstanding principal
less what was written off, never below zero (position.portfolio_positions: the outstanding principal of the
portfolio).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Border, Font, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import case, func, select

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance.money import CENT, ZERO
from workbench.lending.ledger_models import JournalEntry, JournalLine
from workbench.lending.locking import lock_loan
from workbench.lending.models import Loan
from workbench.plans.exports import EURO
from workbench.web.formatting import money
from workbench.web.spreadsheets import Sheet, to_csv

BANK = "1010"
RECEIVABLE = "1200"
INTEREST_INCOME = "4000"
FEE_INCOME = "4100"
WRITE_OFFS = "6900"

#: The chart of accounts: code -> name, in the reader's language.
ACCOUNTS = {
    BANK: _l("Bank"),
    RECEIVABLE: _l("Loans receivable"),
    INTEREST_INCOME: _l("Interest income"),
    FEE_INCOME: _l("Fee income"),
    WRITE_OFFS: _l("Loan write-offs"),
}

KIND_LABELS = {
    "disbursement": _l("Disbursement"),
    "repayment": _l("Repayment"),
    "reversal": _l("Reversal"),
    "write_off": _l("Write-off"),
    "fee": _l("Fee"),
}

#: (account, debit, credit)
Line = tuple[str, Decimal, Decimal]


def _entry(
    kind: str,
    on: date,
    lines: Iterable[Line],
    *,
    loan: Loan | None,
    payment_id: int | None = None,
    actor: User | None,
    description: str = "",
) -> JournalEntry:
    kept = [(account, debit, credit) for account, debit, credit in lines if debit or credit]
    debits = sum((debit for _a, debit, _c in kept), ZERO)
    credits = sum((credit for _a, _d, credit in kept), ZERO)
    if debits != credits or not kept:  # a programming error, never a person's: refuse loudly
        raise ValueError(f"unbalanced journal entry: {debits} debit, {credits} credit")
    entry = JournalEntry(
        kind=kind,
        entry_date=on,
        loan_id=loan.id if loan is not None else None,
        payment_id=payment_id,
        description=description[:200],
        actor_id=actor.id if actor is not None else None,
        lines=[JournalLine(account=a, debit=d, credit=c) for a, d, c in kept],
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def post_disbursement(loan: Loan, actor: User | None) -> JournalEntry:
    """Dr loans receivable / Cr bank for the principal paid out."""
    return _entry(
        "disbursement",
        loan.disbursed_on,
        [(RECEIVABLE, loan.principal, ZERO), (BANK, ZERO, loan.principal)],
        loan=loan,
        actor=actor,
        description=f"Loan {loan.id}",
    )


def post_fee(loan: Loan, amount: Decimal, on: date, actor: User | None) -> JournalEntry:
    """Dr bank / Cr fee income: a fee the borrower paid (the arrangement fee, when the contract is signed).
    Fees are not principal: loans receivable does not move."""
    return _entry(
        "fee",
        on,
        [(BANK, amount, ZERO), (FEE_INCOME, ZERO, amount)],
        loan=loan,
        actor=actor,
        description=f"Loan {loan.id}",
    )


def _balances(loan: Loan) -> tuple[Decimal, Decimal]:
    """The loan's balance on loans receivable, and what repayments recovered of its write-offs (net of
    reversals), in one query. The caller holds the loan's lock (lock_loan)."""
    recovery = (JournalLine.account == WRITE_OFFS) & (JournalEntry.kind != "write_off")
    query = (
        select(
            func.coalesce(
                func.sum(
                    case((JournalLine.account == RECEIVABLE, JournalLine.debit - JournalLine.credit), else_=0)
                ),
                0,
            ),
            func.coalesce(func.sum(case((recovery, JournalLine.credit - JournalLine.debit), else_=0)), 0),
        )
        .join(JournalEntry)
        .where(JournalEntry.loan_id == loan.id, JournalLine.account.in_((RECEIVABLE, WRITE_OFFS)))
    )
    receivable, recovered = db.session.execute(query).one()
    return Decimal(receivable).quantize(CENT), Decimal(recovered).quantize(CENT)


def post_repayment(
    loan: Loan, payment_id: int, on: date, interest: Decimal, principal: Decimal, actor: User | None
) -> JournalEntry:
    """Dr bank / Cr interest income, Cr loans receivable: the payment as it was allocated. The principal
    beyond the loan's balance on loans receivable (it was written off) is a recovery: Cr write-offs."""
    receivable, _recovered = _balances(loan) if principal > 0 else (ZERO, ZERO)
    to_receivable = min(principal, max(receivable, ZERO))
    return _entry(
        "repayment",
        on,
        [
            (BANK, interest + principal, ZERO),
            (INTEREST_INCOME, ZERO, interest),
            (RECEIVABLE, ZERO, to_receivable),
            (WRITE_OFFS, ZERO, principal - to_receivable),
        ],
        loan=loan,
        payment_id=payment_id,
        actor=actor,
        description=f"Loan {loan.id}",
    )


def post_reversal(
    loan: Loan, payment_id: int, on: date, interest: Decimal, principal: Decimal, actor: User | None
) -> JournalEntry:
    """The opposite of a repayment: Dr interest income, Dr loans receivable / Cr bank; the principal that had
    been recovered on a written-off loan goes back to Dr write-offs first."""
    _receivable, recovered = _balances(loan) if principal > 0 else (ZERO, ZERO)
    unrecovered = min(principal, max(recovered, ZERO))
    return _entry(
        "reversal",
        on,
        [
            (INTEREST_INCOME, interest, ZERO),
            (WRITE_OFFS, unrecovered, ZERO),
            (RECEIVABLE, principal - unrecovered, ZERO),
            (BANK, ZERO, interest + principal),
        ],
        loan=loan,
        payment_id=payment_id,
        actor=actor,
        description=f"Loan {loan.id}",
    )


def receivable_of(loan: Loan) -> Decimal:
    """The loan's balance on loans receivable (debits - credits)."""
    query = (
        select(func.coalesce(func.sum(JournalLine.debit - JournalLine.credit), 0))
        .join(JournalEntry)
        .where(JournalEntry.loan_id == loan.id, JournalLine.account == RECEIVABLE)
    )
    return Decimal(db.session.scalar(query)).quantize(CENT)


def written_off(loan_ids: Iterable[int]) -> dict[int, Decimal]:
    """What was written off of each loan, in one query."""
    ids = list(loan_ids)
    found = dict.fromkeys(ids, ZERO)
    if not ids:
        return found
    query = (
        select(JournalEntry.loan_id, func.sum(JournalLine.debit))
        .join(JournalEntry)
        .where(
            JournalEntry.loan_id.in_(ids), JournalEntry.kind == "write_off", JournalLine.account == WRITE_OFFS
        )
        .group_by(JournalEntry.loan_id)
    )
    for loan_id, amount in db.session.execute(query):
        found[loan_id] = Decimal(amount).quantize(CENT)
    return found


def write_offs_of(loan: Loan) -> list[tuple[date, Decimal]]:
    """The loan's write-offs, (day, amount), oldest first."""
    query = (
        select(JournalEntry.entry_date, JournalLine.debit)
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(
            JournalEntry.loan_id == loan.id,
            JournalEntry.kind == "write_off",
            JournalLine.account == WRITE_OFFS,
        )
        .order_by(JournalEntry.entry_date, JournalEntry.id)
    )
    return [(day, Decimal(amount).quantize(CENT)) for day, amount in db.session.execute(query)]


def post_write_off(
    loan: Loan, amount: Decimal, on: date, actor: User | None, *, proposal_id: int | None = None
) -> JournalEntry:
    """Dr write-offs / Cr loans receivable: ``amount`` of the loan's principal is no longer expected.

    Refused: an amount that is not positive cents, or above what the loan still has on loans receivable.
    The four-eyes decision that leads to a write-off is the caller's (loan_decisions.py, which passes the
    confirmed proposal's id to the audit trail); this records its accounting."""
    if (
        not isinstance(amount, Decimal)
        or not amount.is_finite()
        or amount <= 0
        or amount != amount.quantize(CENT)
    ):
        raise DomainError({"amount": _("Enter an amount above zero, in euros and cents.")})
    lock_loan(loan)
    balance = receivable_of(loan)
    if amount > balance:
        raise DomainError(
            {"amount": _("At most %(amount)s of this loan can be written off.", amount=money(balance))}
        )
    entry = _entry(
        "write_off",
        on,
        [(WRITE_OFFS, amount, ZERO), (RECEIVABLE, ZERO, amount)],
        loan=loan,
        actor=actor,
        description=f"Loan {loan.id}",
    )
    after: dict[str, object] = {"amount": str(amount), "on": on.isoformat()}
    if proposal_id is not None:
        after["proposal_id"] = proposal_id
    record("loan.written_off", loan, actor, after=after)
    return entry


# --- reading -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BalanceRow:
    code: str
    name: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


def trial_balance() -> list[BalanceRow]:
    """Every account of the chart with its total debits and credits, in one query."""
    query = select(JournalLine.account, func.sum(JournalLine.debit), func.sum(JournalLine.credit)).group_by(
        JournalLine.account
    )
    totals = {account: (Decimal(d), Decimal(c)) for account, d, c in db.session.execute(query)}
    return [
        BalanceRow(code, str(name), *(value.quantize(CENT) for value in totals.get(code, (ZERO, ZERO))))
        for code, name in ACCOUNTS.items()
    ]


@dataclass(frozen=True)
class JournalRow:
    entry_id: int
    entry_date: date
    kind: str
    loan_id: int | None
    account: str
    debit: Decimal
    credit: Decimal
    description: str


def journal_rows() -> list[JournalRow]:
    query = (
        select(JournalEntry, JournalLine)
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .order_by(JournalEntry.entry_date, JournalEntry.id, JournalLine.id)
    )
    return [
        JournalRow(
            entry.id,
            entry.entry_date,
            entry.kind,
            entry.loan_id,
            line.account,
            line.debit,
            line.credit,
            entry.description,
        )
        for entry, line in db.session.execute(query)
    ]


def _header() -> list[str]:
    return [
        _("Entry"),
        _("Date"),
        _("Kind"),
        _("Loan"),
        _("Account"),
        _("Account name"),
        _("Debit"),
        _("Credit"),
        _("Description"),
    ]


def _description(row: JournalRow) -> str:
    """The entry's description; the one the services write ("Loan 12", in no reader's language) is said as the
    loan's number, as the loan page and bank references write it (WB-12)."""
    if row.loan_id is not None and row.description == f"Loan {row.loan_id}":
        from workbench.lending.bank_import import loan_number  # bank_import imports the ledger

        return loan_number(row.loan_id)
    return row.description


def _values(row: JournalRow) -> list[object]:
    return [
        row.entry_id,
        row.entry_date,
        str(KIND_LABELS.get(row.kind, row.kind)),
        row.loan_id or "",
        row.account,
        str(ACCOUNTS.get(row.account, row.account)),
        row.debit,
        row.credit,
        _description(row),
    ]


def journal_csv() -> bytes:
    """The journal, one line per row, for the partner's accountant (web.spreadsheets.to_csv: ";" separated,
    dates ISO, amounts with a dot, UTF-8 with a BOM so spreadsheets read the accents)."""
    return to_csv(Sheet(_("Journal"), _header(), (_values(row) for row in journal_rows())))


#: Column widths of the journal sheet, in characters: a date or an amount never shows as "####".
_JOURNAL_WIDTHS = (12, 12, 18, 9, 9, 28, 15, 15, 30)
_DATE_FORMAT = "yyyy-mm-dd"
_BOLD = Font(bold=True)
_RULED = Border(top=Side(style="thin", color="FF9AA5B1"))


def journal_xlsx() -> bytes:
    """The journal as a spreadsheet for the partner's accountant, in the reader's language (right to left in
    Arabic): real dates, amounts as numbers in euros, the header in bold, kept in view and filterable, each
    entry's first line ruled off from the entry before. A second sheet gives each entry's debits and credits
    side by side, with their difference (zero: every entry balances) and the totals."""
    book = Workbook()
    right_to_left = get_locale().character_order == "right-to-left"
    sheet = book.active
    sheet.title = _("Journal")[:31]
    sheet.append(_header())
    for cell in sheet[1]:
        cell.font = _BOLD
    entries: dict[int, list[object]] = {}
    for row in journal_rows():
        values = _values(row)
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
        line = sheet.max_row
        sheet.cell(row=line, column=2).number_format = _DATE_FORMAT
        for column in (7, 8):
            sheet.cell(row=line, column=column).number_format = EURO
        for column in (3, 6, 9):
            sheet.cell(row=line, column=column).data_type = "s"
        if row.entry_id not in entries and line > 2:
            for cell in sheet[line]:
                cell.border = _RULED
        first = [row.entry_id, row.entry_date, values[2], values[3], ZERO, ZERO]
        totals = entries.setdefault(row.entry_id, first)
        totals[4] += row.debit
        totals[5] += row.credit
    _finish(sheet, _JOURNAL_WIDTHS, right_to_left)

    balances = book.create_sheet(_("Debits and credits per entry")[:31])
    balances.append([_("Entry"), _("Date"), _("Kind"), _("Loan"), _("Debit"), _("Credit"), _("Difference")])
    for cell in balances[1]:
        cell.font = _BOLD
    for entry_id, entry_date, kind, loan_id, debit, credit in entries.values():
        balances.append([entry_id, entry_date, kind, loan_id, debit, credit, debit - credit])
        line = balances.max_row
        balances.cell(row=line, column=2).number_format = _DATE_FORMAT
        balances.cell(row=line, column=3).data_type = "s"
        for column in (5, 6, 7):
            balances.cell(row=line, column=column).number_format = EURO
    debits = sum((entry[4] for entry in entries.values()), ZERO)
    credits = sum((entry[5] for entry in entries.values()), ZERO)
    balances.append([_("Total"), None, None, None, debits, credits, debits - credits])
    for cell in balances[balances.max_row]:
        cell.font = _BOLD
        cell.border = _RULED
        if cell.column >= 5:
            cell.number_format = EURO
    _finish(balances, (12, 12, 18, 9, 15, 15, 15), right_to_left, filtered=False)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _finish(sheet, widths: tuple[int, ...], right_to_left: bool, *, filtered: bool = True) -> None:
    """Column widths, the header kept in view (and filterable), right to left for an Arabic reader."""
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.sheet_view.rightToLeft = right_to_left
    if filtered:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(widths))}{max(sheet.max_row, 1)}"
