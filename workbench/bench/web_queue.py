"""Benchmark of the loan officer's queue with 2,000 applications, against the trivial endpoint of web.py's app
in the same run.

The page shows the first PAGE_SIZE rows, but every application is read and sorted by what needs action, so
the time grows with their number. The applications are built untimed: one endorsed plan version, scored and
proposed through the services, then copied with bulk inserts (a trainee, their plan, its version, the
application; a score on one in three, a proposal waiting for the benchmark officer's confirmation on one in
six), as the queue reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from workbench.lending.views.queue import PAGE_SIZE

from . import Benchmark
from .web import PASSWORD, TRIVIAL, _session

#: The queue with this many applications may take at most QUEUE_MAX_RATIO times the trivial endpoint.
APPLICATIONS = 2_000
QUEUE_MAX_RATIO = 400.0
#: Explicit ids for the copies, far above what the services made.
_FIRST_ID = 100_000


def _build(app) -> None:
    from sqlalchemy import insert

    from workbench.auth.models import RoleGrant, User
    from workbench.auth.roles import Role
    from workbench.auth.services import create_user
    from workbench.extensions import db
    from workbench.lending import applications
    from workbench.lending.application_models import CreditApplication
    from workbench.lending.decisions_models import Proposal
    from workbench.lending.products import active_products
    from workbench.lending.scorecard import JUDGED, Rating, score_application
    from workbench.lending.scorecard_models import ApplicationScore
    from workbench.lending.settings_demo import seed_lending_settings
    from workbench.plans import services
    from workbench.plans.models import BusinessPlan, PlanVersion
    from workbench.programme.models import Enrolment
    from workbench.programme.services import assign_mentor, create_cohort, enrol
    from workbench.timeutil import programme_today, utcnow

    with app.app_context():
        people = {}
        for email, roles in (
            ("queue.officer@example.org", [Role.OFFICER]),
            ("queue.proposer@example.org", [Role.OFFICER]),
            ("queue.mentor@example.org", [Role.MENTOR]),
            ("queue.trainee@example.org", [Role.TRAINEE]),
        ):
            people[email.split("@")[0].split(".")[1]] = create_user(
                email=email, full_name=email, password=PASSWORD, roles=roles, actor=None, locale="en"
            )
        cohort = create_cohort(name="Queue cohort", city=None, starts_on=None, ends_on=None, actor=None)
        trainee, mentor, proposer = people["trainee"], people["mentor"], people["proposer"]
        enrol(trainee, cohort, actor=None)
        assign_mentor(trainee, mentor, None)
        plan = services.create_plan(
            owner=trainee, business_type="food", title="Queue plan", from_example=True
        )
        db.session.flush()
        version = services.submit_plan(plan, trainee)
        services.endorse_plan(plan, mentor, "Ready.")
        request = applications.Request(Decimal("8000"), 36, 0, "Oven", "individual")
        application = applications.apply_for_credit(version, trainee, request)
        score = score_application(application, proposer, {k: Rating(3, "Fine.") for k in JUDGED}, seen=0)
        seed_lending_settings()  # the demo's product, the limits and the TEGM up to this quarter
        terms = {
            "product_id": active_products()[0].id,
            "amount": Decimal("8000"),
            "annual_rate": Decimal("0.05"),
            "term_months": 36,
            "grace_months": 0,
            "method": "annuity",
            "first_due_on": programme_today() + timedelta(days=30),
        }
        proposal = applications.propose_decision(application, proposer, "approve", terms=terms, note="")
        db.session.flush()
        now = utcnow()
        ids = range(_FIRST_ID, _FIRST_ID + APPLICATIONS - 1)
        hashed = trainee.password_hash
        db.session.execute(
            insert(User),
            [
                {
                    "id": i,
                    "email": f"q{i}@example.org",
                    "full_name": f"Applicant {i}",
                    "password_hash": hashed,
                }
                for i in ids
            ],
        )
        db.session.execute(insert(RoleGrant), [{"user_id": i, "role": Role.TRAINEE.value} for i in ids])
        db.session.execute(insert(Enrolment), [{"id": i, "user_id": i, "cohort_id": cohort.id} for i in ids])
        db.session.execute(
            insert(BusinessPlan),
            [
                {
                    "id": i,
                    "owner_id": i,
                    "business_type": plan.business_type,
                    "template_version": plan.template_version,
                    "title": f"Plan {i}",
                    "assumptions": plan.assumptions,
                }
                for i in ids
            ],
        )
        db.session.execute(
            insert(PlanVersion),
            [
                {
                    "id": i,
                    "plan_id": i,
                    "number": 1,
                    "business_type": version.business_type,
                    "template_version": version.template_version,
                    "title": f"Plan {i}",
                    "answers": version.answers,
                    "assumptions": version.assumptions,
                    "results": version.results,
                    "submitted_by_id": i,
                }
                for i in ids
            ],
        )
        db.session.execute(
            insert(CreditApplication),
            [
                {
                    "id": i,
                    "plan_version_id": i,
                    "applicant_id": i,
                    "amount": Decimal("8000"),
                    "term_months": 36,
                    "grace_months": 0,
                    "purpose": "Oven",
                    "legal_form": "individual",
                    "submitted_at": now - timedelta(days=i % 90),
                }
                for i in ids
            ],
        )
        db.session.execute(
            insert(ApplicationScore),
            [
                {
                    "application_id": i,
                    "sequence": 1,
                    "scorecard_version_id": score.scorecard_version_id,
                    "officer_id": proposer.id,
                    "criteria": score.criteria,
                    "total": score.total,
                    "computed_band": score.computed_band,
                    "band": score.band,
                }
                for i in ids
                if i % 3 == 0
            ],
        )
        db.session.execute(
            insert(Proposal),
            [
                {
                    "subject_type": applications.SUBJECT,
                    "subject_id": i,
                    "action": "approve",
                    "terms": proposal.terms,
                    "note": "",
                    "proposed_by_id": proposer.id,
                }
                for i in ids
                if i % 6 == 0
            ],
        )
        db.session.commit()


class QueueSession:
    def __init__(self) -> None:
        self.web = _session()
        _build(self.web.app)
        self.client = self.web.app.test_client()
        self.web._log_in(self.client, "queue.officer@example.org")

    def queue(self) -> Callable[[], object]:
        client = self.client

        def call() -> object:
            response = client.get("/queue")
            html = response.get_data(as_text=True)
            if response.status_code != 200 or html.count("/applications/") < PAGE_SIZE:
                raise RuntimeError(f"the officer queue failed ({response.status_code})")
            return html

        return call


_QUEUE: list[QueueSession] = []


def _queue() -> QueueSession:
    if not _QUEUE:
        _QUEUE.append(QueueSession())
    return _QUEUE[0]


def benchmarks() -> list[Benchmark]:
    return [
        Benchmark(
            f"web: officer queue, {APPLICATIONS:,} applications (GET /queue)",
            2.0,
            lambda: _queue().queue(),
            repeat=5,
            compare_to=TRIVIAL,
            max_ratio=QUEUE_MAX_RATIO,
        )
    ]
