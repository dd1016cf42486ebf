"""Benchmark of the loan officer's repayment: post a repayment, then read the loan's page (its position,
installment states and payments computed on read), for a loan of 120 installments with 200 payments, against
the trivial endpoint of the same app (workbench/bench/web.py) in the same run."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from . import Benchmark
from .web import PASSWORD, TRIVIAL, PlanSession, _session

INSTALLMENTS = 120
PAYMENTS = 200
#: Posting and reading the loan may take at most this many times the trivial endpoint.
MAX_RATIO = 50.0


class RepaymentSession:
    """An officer logged in, and a loan of INSTALLMENTS months with PAYMENTS repayments already posted."""

    def __init__(self, base: PlanSession) -> None:
        from datetime import timedelta
        from decimal import Decimal

        from workbench.auth.roles import Role
        from workbench.auth.services import create_user
        from workbench.extensions import db
        from workbench.lending.repayments import new_idempotency_key, post_repayment
        from workbench.lending.services import record_disbursement
        from workbench.plans import services
        from workbench.timeutil import programme_today

        self.app = base.app
        with self.app.app_context():
            today = programme_today()
            officer = create_user(
                email="officer@example.org",
                full_name="Olga Bench",
                password=PASSWORD,
                roles=[Role.OFFICER],
                actor=None,
                locale="en",
            )
            borrower = create_user(
                email="borrower@example.org",
                full_name="Bruno Bench",
                password=None,
                roles=[Role.TRAINEE],
                actor=None,
                locale="en",
            )
            plan = services.create_plan(
                owner=borrower, business_type="food", title="Long loan", from_example=True
            )
            db.session.flush()
            version = services.submit_plan(plan, borrower)
            start = today - timedelta(days=PAYMENTS)
            loan = record_disbursement(
                version,
                principal=Decimal("60000"),
                annual_rate=Decimal("0.07"),
                term_months=INSTALLMENTS,
                grace_months=0,
                method="annuity",
                disbursed_on=start,
                disbursement_method="bank_transfer",
                actor=officer,
            )
            for n in range(PAYMENTS):
                post_repayment(
                    loan,
                    paid_on=start + timedelta(days=n),
                    amount=Decimal("25.00"),
                    reference=f"Bench {n}",
                    key=new_idempotency_key(),
                    actor=officer,
                )
            db.session.commit()
            self.loan_id = loan.id
            self.today = today.isoformat()
        self.client = self.app.test_client()
        base._log_in(self.client, "officer@example.org")
        self.csrf = base._token(self.client.get(f"/loans/{self.loan_id}").get_data(as_text=True))

    def post_and_read(self) -> Callable[[], object]:
        """One repayment posted (each call a new form: a new key and reference), then the loan's page read."""
        from workbench.lending.repayments import new_idempotency_key

        calls = [0]
        url = f"/loans/{self.loan_id}"

        def call() -> object:
            calls[0] += 1
            key = new_idempotency_key()
            response = self.client.post(
                f"{url}/payments",
                data={
                    "csrf_token": self.csrf,
                    "paid_on": self.today,
                    "amount": "0.01",
                    "reference": f"Run {key[:12]}",
                    "idempotency_key": key,
                },
            )
            if response.status_code != 303:
                raise RuntimeError(f"the repayment was not posted ({response.status_code})")
            page = self.client.get(url)
            if page.status_code != 200:
                raise RuntimeError(f"the loan's page failed ({page.status_code})")
            return page

        return call


@cache
def _repayments() -> RepaymentSession:
    return RepaymentSession(_session())


def benchmarks() -> list[Benchmark]:
    return [
        Benchmark(
            f"web: post a repayment and read a loan of {INSTALLMENTS} installments, {PAYMENTS} payments",
            250e-3,
            lambda: _repayments().post_and_read(),
            repeat=30,
            compare_to=TRIVIAL,
            max_ratio=MAX_RATIO,
        )
    ]
