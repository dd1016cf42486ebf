"""The Italian rules of business microcredit as dated settings, and the one check every set of terms passes.

Business microcredit ("microcredito d'impresa", art. 111, c. 1, of the Testo Unico Bancario, d.lgs. 385/1993,
with its regulation, DM 17 ottobre 2014, n. 176) is credit without real collateral, for starting or growing
self-employment or a micro-enterprise, that comes with tutoring (the auxiliary assistance and monitoring
services). Its limits changed over time, so they are rows with the day they apply from
(:class:`MicrocreditLimit`); a contract signed on a day answers to the latest row starting on or before it.
Managers add rows when the law changes; the migration and seed-demo ship these:

- from 2014-01-01 (the programmes of 2011-2014 and DM 176/2014): at most 25,000 EUR, at most 7 years
  (84 months), no real collateral, tutoring required. Sources: microcredito.gov.it, "Testo Unico Bancario,
  art. 111 e seguenti" (https://www.microcredito.gov.it/normative/normativa-italiana.html: "un ammontare non
  superiore a euro 25.000,00 e assenza di garanzie reali"); DM 176/2014 on normattiva
  (urn:nir:ministero.economia.e.finanze:decreto:2014-10-17;176). The ordinary SRL was not eligible then
  (only the simplified SRL, art. 2463-bis c.c.): its row carries the same 25,000 EUR for the simplified SRL,
  and a product lends to SRLs only when its manager says so (LoanProduct.legal_form_srl). The regulation's
  extra 10,000 EUR for staged payouts after six punctual installments is not modelled.
- from 2020-03-17: at most 40,000 EUR (decreto-legge 17 marzo 2020, n. 18, art. 49, c. 5; art. 111 TUB as
  amended on normattiva, urn:nir:stato:decreto.legislativo:1993-09-01;385~art111: "di ammontare non superiore
  a euro 40.000,00"; https://www.pd.camcom.it/it/avvia-impresa/microcredito), term unchanged.
- from 2024-01-12: at most 75,000 EUR, 100,000 EUR for an SRL, at most 10 years (120 months): the new
  regulation, DM 211/2023, in force from 12 January 2024 after the budget law for 2022 (l. 234/2021, art. 1,
  c. 914) amended art. 111 TUB (https://www.meccanicanews.com/2024/02/09/microcredito-prestiti-a-quota-75-mila/,
  https://www.quotidiano.net/economia/microcredito-le-novita-del-2024-b48d4510).

:func:`check_terms` is what the application and approval code calls: the product's ranges, the limits in force
on the signing day and the usury threshold of that quarter (usury.py), as translated errors per field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import format_percent, ngettext
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance.errors import NumberError
from workbench.finance.money import to_decimal
from workbench.finance.usury import quarter_start, usury_threshold
from workbench.lending.product_models import LEGAL_FORMS, LoanProduct, MicrocreditLimit
from workbench.web.dates import day
from workbench.web.formatting import money

#: Bounds of what a limit row may say: no microcredit reaches ten million euros or fifty years.
MAX_LIMIT_AMOUNT = Decimal("10000000")
MAX_TERM_MONTHS = 600
#: The first day a limit row may start on, and the last (a typo of a year, not a law).
FIRST_EFFECTIVE_DAY = date(1990, 1, 1)
LAST_EFFECTIVE_DAY = date(2199, 12, 31)


@dataclass(frozen=True)
class DefaultLimit:
    effective_from: date
    max_amount: Decimal
    max_amount_srl: Decimal
    max_term_months: int
    source: str


#: The limits shipped by the migration and by seed-demo (see the module's docstring for the sources).
DEFAULT_LIMITS = (
    DefaultLimit(date(2014, 1, 1), Decimal("25000.00"), Decimal("25000.00"), 84, "art. 111 TUB; DM 176/2014"),
    DefaultLimit(date(2020, 3, 17), Decimal("40000.00"), Decimal("40000.00"), 84, "DL 18/2020, art. 49"),
    DefaultLimit(
        date(2024, 1, 12), Decimal("75000.00"), Decimal("100000.00"), 120, "l. 234/2021; DM 211/2023"
    ),
)


def limits_in_order() -> list[MicrocreditLimit]:
    """Every limit row, the latest first."""
    return list(db.session.scalars(select(MicrocreditLimit).order_by(MicrocreditLimit.effective_from.desc())))


def limit_in_force(on: date) -> MicrocreditLimit | DefaultLimit | None:
    """The limits a contract signed on `on` answers to: the latest row starting on or before it; the shipped
    default of that day when the table has none (a database built without the migration's rows); None
    before any."""
    row = db.session.scalars(
        select(MicrocreditLimit)
        .where(MicrocreditLimit.effective_from <= on)
        .order_by(MicrocreditLimit.effective_from.desc())
        .limit(1)
    ).first()
    if row is not None:
        return row
    shipped = [limit for limit in DEFAULT_LIMITS if limit.effective_from <= on]
    return shipped[-1] if shipped else None


def add_limit(
    *,
    effective_from: date,
    max_amount: Decimal,
    max_amount_srl: Decimal,
    max_term_months: int,
    source: str,
    actor: User | None,
    real_collateral_allowed: bool = False,
    tutoring_required: bool = True,
) -> MicrocreditLimit:
    """A new set of limits from `effective_from` on. One row per day (unique key): a double press, or a
    second manager at the same moment, adds one and the other gets a clear message."""
    source = _check_limit(effective_from, max_amount, max_amount_srl, max_term_months, source)
    limit = MicrocreditLimit(
        effective_from=effective_from,
        max_amount=max_amount,
        max_amount_srl=max_amount_srl,
        max_term_months=max_term_months,
        real_collateral_allowed=real_collateral_allowed,
        tutoring_required=tutoring_required,
        source=source,
        revision=1,
        created_by_id=actor.id if actor is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(limit)
    except IntegrityError as error:
        raise _day_taken(effective_from) from error
    record("microcredit_limit.added", limit, actor, after=limit_facts(limit))
    return limit


def _day_taken(effective_from: date) -> DomainError:
    return DomainError(
        {"effective_from": _("Limits starting on %(day)s are already entered.", day=day(effective_from))}
    )


def _check_limit(
    effective_from: date, max_amount: Decimal, max_amount_srl: Decimal, max_term_months: int, source: str
) -> str:
    """The source as stored, once every value is in bounds; DomainError with the reasons otherwise."""
    errors: dict[str, str] = {}
    if not FIRST_EFFECTIVE_DAY <= effective_from <= LAST_EFFECTIVE_DAY:
        errors["effective_from"] = _(
            "Between %(first)s and %(last)s.", first=day(FIRST_EFFECTIVE_DAY), last=day(LAST_EFFECTIVE_DAY)
        )
    for name, amount in (("max_amount", max_amount), ("max_amount_srl", max_amount_srl)):
        if not Decimal(0) < amount <= MAX_LIMIT_AMOUNT or amount != amount.quantize(Decimal("0.01")):
            errors[name] = _("An amount above zero, at most %(amount)s.", amount=money(MAX_LIMIT_AMOUNT))
    if not 1 <= max_term_months <= MAX_TERM_MONTHS:
        errors["max_term_months"] = _("Between %(low)d and %(high)d months.", low=1, high=MAX_TERM_MONTHS)
    source = (source or "").strip()
    if len(source) > 200:
        errors["source"] = _("At most %(n)d characters.", n=200)
    if errors:
        raise DomainError(errors)
    return source


def correct_limit(
    limit: MicrocreditLimit,
    *,
    base_revision: int,
    effective_from: date,
    max_amount: Decimal,
    max_amount_srl: Decimal,
    max_term_months: int,
    source: str,
    actor: User,
    real_collateral_allowed: bool = False,
    tutoring_required: bool = True,
) -> bool:
    """Correct a row of limits (a figure or a date typed wrong) unless it changed since the manager's page
    loaded it: compare-and-set on the revision, audited with what changed; whether anything changed."""
    values: dict[str, Any] = {
        "effective_from": effective_from,
        "max_amount": max_amount,
        "max_amount_srl": max_amount_srl,
        "max_term_months": max_term_months,
        "real_collateral_allowed": real_collateral_allowed,
        "tutoring_required": tutoring_required,
        "source": _check_limit(effective_from, max_amount, max_amount_srl, max_term_months, source),
    }
    before = {name: getattr(limit, name) for name in values}
    if base_revision == limit.revision and before == values:
        return False
    if base_revision != limit.revision:
        raise _stale_limit()
    try:
        with db.session.begin_nested():
            result = db.session.execute(
                update(MicrocreditLimit)
                .where(MicrocreditLimit.id == limit.id, MicrocreditLimit.revision == base_revision)
                .values(**values, revision=base_revision + 1),
                execution_options={"synchronize_session": False},
            )
    except IntegrityError as error:
        raise _day_taken(effective_from) from error
    db.session.refresh(limit)
    if result.rowcount != 1:
        if {name: getattr(limit, name) for name in values} == values:
            return False  # the same correction, saved a moment ago from another tab
        raise _stale_limit()
    changed = [name for name in values if before[name] != values[name]]
    record(
        "microcredit_limit.corrected",
        limit,
        actor,
        before={name: _plain(before[name]) for name in changed},
        after={name: _plain(values[name]) for name in changed} | {"revision": limit.revision},
    )
    return True


def _stale_limit() -> DomainError:
    return DomainError(
        {"": _("Another manager changed these limits since you opened them. Here they are as they are now.")}
    )


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def limit_facts(limit: MicrocreditLimit) -> dict[str, Any]:
    return {
        "effective_from": limit.effective_from.isoformat(),
        "max_amount": str(limit.max_amount),
        "max_amount_srl": str(limit.max_amount_srl),
        "max_term_months": limit.max_term_months,
        "real_collateral_allowed": limit.real_collateral_allowed,
        "tutoring_required": limit.tutoring_required,
        "source": limit.source,
    }


def ensure_default_limits() -> int:
    """Add the shipped limits whose day has no row yet; how many were added (seed-demo, idempotent)."""
    present = set(db.session.scalars(select(MicrocreditLimit.effective_from)))
    added = 0
    for default in DEFAULT_LIMITS:
        if default.effective_from in present:
            continue
        try:
            add_limit(
                effective_from=default.effective_from,
                max_amount=default.max_amount,
                max_amount_srl=default.max_amount_srl,
                max_term_months=default.max_term_months,
                source=default.source,
                actor=None,
            )
        except DomainError:
            continue  # added a moment ago by another process
        added += 1
    return added


# --- the check of a loan's terms ------------------------------------------------------------------------


#: The most a term or a grace period may be read as, before any comparison (a month count, not a number).
_MAX_MONTHS_READ = 10_000


def _read_rate(value: object) -> Decimal | None:
    try:
        rate = to_decimal(value)
    except NumberError:
        return None
    return rate if Decimal(-1) < rate < Decimal(10) else None


def _read_months(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= _MAX_MONTHS_READ else None


def rate_text(rate: Decimal) -> str:
    """A rate given as a fraction as a percentage with two to four decimals, as the decrees print them."""
    return format_percent(rate, format="#,##0.00##%")


def check_terms(
    product: LoanProduct,
    *,
    amount: object,
    annual_rate: object,
    term_months: object,
    grace_months: object,
    method: str,
    signed_on: date,
    legal_form: str,
    apr: object | None = None,
) -> dict[str, str]:
    """What is wrong with these terms on this product for a contract signed on `signed_on`, as translated
    messages by field ("amount", "annual_rate", "apr", "term_months", "grace_months", "method",
    "legal_form", "product"); an empty dict when nothing is.

    Checked: the product is active; the amount within the product's range and at most the legal limit in
    force for the legal form ("individual", "partnership" or "srl", an SRL only when the product lends to
    SRLs); the rate within the product's range; the rate, and the APR (TAEG) when given, strictly below the
    usury threshold of the signing quarter for the product's TEGM class (no TEGM entered for that quarter is
    an error too: a manager must enter it); the term within the product's and the law's maximum; the grace
    period within the product's maximum and shorter than the term; the method allowed by the product.

    Inputs are read in bounds (money.to_decimal): text, huge exponents or 5,000 digits are refused at once
    as errors of their field, never raised."""
    from workbench.lending.usury import tegm_in_force  # usury reads rules' neighbours: imported when used

    errors: dict[str, str] = {}
    if not product.active:
        errors["product"] = _("This product is switched off: choose another one.")

    try:
        amount_value: Decimal | None = to_decimal(amount)
    except NumberError:
        amount_value = None
    if amount_value is None or amount_value <= 0 or amount_value != amount_value.quantize(Decimal("0.01")):
        errors["amount"] = _("Enter the amount in euros and cents, above zero.")
        amount_value = None

    if legal_form not in LEGAL_FORMS:
        errors["legal_form"] = _("Choose the business's legal form.")
    elif legal_form == "srl" and not product.legal_form_srl:
        errors["legal_form"] = _("This product does not lend to an SRL.")

    limit = limit_in_force(signed_on)
    if limit is None:
        errors["amount"] = errors.get("amount") or _(
            "No microcredit limits are set for %(day)s: a manager must enter them.", day=day(signed_on)
        )
    if amount_value is not None:
        if not product.min_amount <= amount_value <= product.max_amount:
            errors["amount"] = _(
                "This product lends from %(low)s to %(high)s.",
                low=money(product.min_amount),
                high=money(product.max_amount),
            )
        elif limit is not None and legal_form in LEGAL_FORMS:
            legal_max = limit.max_amount_srl if legal_form == "srl" else limit.max_amount
            if amount_value > legal_max:
                errors["amount"] = _(
                    "Above the legal limit of microcredit on %(day)s: at most %(amount)s.",
                    day=day(signed_on),
                    amount=money(legal_max),
                )

    rate = _read_rate(annual_rate)
    if rate is None:
        errors["annual_rate"] = _("Enter the yearly rate as a percentage.")
    elif not product.min_rate <= rate <= product.max_rate:
        errors["annual_rate"] = _(
            "This product's rate is from %(low)s to %(high)s.",
            low=rate_text(product.min_rate),
            high=rate_text(product.max_rate),
        )
    apr_value = None
    if apr is not None:
        apr_value = _read_rate(apr)
        if apr_value is None:
            errors["apr"] = _("Enter the APR (TAEG) as a percentage.")
    if rate is not None or apr_value is not None:
        tegm = tegm_in_force(product.usury_class, signed_on)
        if tegm is None:
            errors["annual_rate"] = _(
                "No TEGM is entered for %(loan_class)s in the quarter starting %(quarter)s: a manager must "
                "enter the quarter's TEGM before terms can be checked against the usury threshold.",
                loan_class=product.usury_class,
                quarter=day(quarter_start(signed_on)),
            )
        else:
            threshold = usury_threshold(tegm)
            refused = _(
                "Refused: at or above the usury threshold of %(threshold)s for this quarter.",
                threshold=rate_text(threshold),
            )
            if rate is not None and rate >= threshold:
                errors["annual_rate"] = refused
            if apr_value is not None and apr_value >= threshold:
                errors["apr"] = refused

    term = _read_months(term_months)
    if term is None or term < 1:
        errors["term_months"] = _("Enter the number of months, at least 1.")
    elif term > product.max_term_months:
        errors["term_months"] = ngettext(
            "This product lends for at most %(num)d month.",
            "This product lends for at most %(num)d months.",
            product.max_term_months,
        )
    elif limit is not None and term > limit.max_term_months:
        errors["term_months"] = _(
            "Above the legal limit of microcredit on %(day)s: at most %(months)d months.",
            day=day(signed_on),
            months=limit.max_term_months,
        )

    grace = _read_months(grace_months)
    if grace is None:
        errors["grace_months"] = _("Enter the number of months, 0 for none.")
    elif grace > product.max_grace_months:
        errors["grace_months"] = _(
            "This product allows at most %(months)d months of grace.", months=product.max_grace_months
        )
    elif term is not None and term >= 1 and grace >= term:
        errors["grace_months"] = _("The grace period must be shorter than the term.")

    if method not in product.allowed_methods:
        errors["method"] = _("This product does not repay this way.")
    return errors
