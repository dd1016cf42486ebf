"""Benchmark of the portfolio dashboard (GET /portfolio: the figures in all, by cohort and by officer) with
1,000 and with 10,000 loans and their whole repayment history, and the ratio of the two medians, measured in
the same run.

The figures are summed in SQL (workbench/lending/portfolio.py), so the time should grow far less than the
number of loans; the target is under 300 ms at 10,000 loans. The loans are built untimed with
workbench/lending/large_demo.py, in the benchmark's own SQLite database, or on PostgreSQL when
WORKBENCH_BENCH_POSTGRES_URL names a server (postgresql+psycopg://postgres@127.0.0.1:5432): a database
bench_portfolio_<loans> is made there afresh for each size.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from . import Benchmark
from .web import PASSWORD, PlanSession

SIZES = (1_000, 10_000)
TARGET_SECONDS = 0.300


def _name(count: int) -> str:
    return f"web: portfolio dashboard, {count:,} loans (GET /portfolio)"


class PortfolioSession:
    def __init__(self, count: int) -> None:
        from workbench.auth.roles import Role
        from workbench.auth.services import create_user
        from workbench.extensions import db
        from workbench.lending.large_demo import Template, build_large_portfolio
        from workbench.plans import services
        from workbench.programme.services import create_cohort
        from workbench.timeutil import programme_today

        self.web = PlanSession(_fresh_postgres(count))  # a database of its own for each size
        self.app = self.web.app
        with self.app.app_context():
            manager = create_user(
                email="portfolio.manager@example.org",
                full_name="Paola Bench",
                password=PASSWORD,
                roles=[Role.MANAGER],
                actor=None,
                locale="it",
            )
            officers = [
                create_user(
                    email=f"portfolio.officer{n}@example.org",
                    full_name=f"Officer {n}",
                    password=PASSWORD,
                    roles=[Role.OFFICER],
                    actor=None,
                )
                for n in range(4)
            ]
            owner = create_user(
                email="portfolio.owner@example.org",
                full_name="Owner",
                password=PASSWORD,
                roles=[Role.TRAINEE],
                actor=None,
            )
            plan = services.create_plan(
                owner=owner, business_type="food", title="Template", from_example=True
            )
            db.session.flush()
            version = services.submit_plan(plan, owner)
            cohort = create_cohort(
                name="Portfolio cohort", city=None, starts_on=None, ends_on=None, actor=None
            )
            build_large_portfolio(
                count,
                template=Template(plan, version),
                cohort_id=cohort.id,
                officer_ids=[officer.id for officer in officers],
                today=programme_today(),
                password_hash=manager.password_hash,
            )
            db.session.commit()
        self.client = self.app.test_client()
        self.web._log_in(self.client, "portfolio.manager@example.org")

    def dashboard(self) -> Callable[[], object]:
        client = self.client

        def call() -> object:
            response = client.get("/portfolio")
            if response.status_code != 200 or "PAR30" not in response.get_data(as_text=True):
                raise RuntimeError(f"the portfolio dashboard failed ({response.status_code})")
            return response

        return call


def _fresh_postgres(count: int) -> str | None:
    """An empty PostgreSQL database for `count` loans, when WORKBENCH_BENCH_POSTGRES_URL is set."""
    import os

    import sqlalchemy as sa

    server = os.environ.get("WORKBENCH_BENCH_POSTGRES_URL")
    if not server:
        return None
    name = f"bench_portfolio_{count}"
    engine = sa.create_engine(f"{server.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{server.rstrip('/')}/{name}"


@cache
def _portfolio(count: int) -> PortfolioSession:
    return PortfolioSession(count)


def benchmarks() -> list[Benchmark]:
    small, large = SIZES
    return [
        Benchmark(_name(small), TARGET_SECONDS, lambda: _portfolio(small).dashboard(), repeat=10),
        Benchmark(
            _name(large),
            TARGET_SECONDS,
            lambda: _portfolio(large).dashboard(),
            repeat=10,
            compare_to=_name(small),
        ),
    ]
