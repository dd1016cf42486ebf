"""Benchmarks of the plan's recompute request and of the mentor's home, against a trivial endpoint of the same
app in the same run.

The app runs on a throw-away SQLite database built by the migrations (in memory-backed /dev/shm when there is
one, so that the disk of a busy machine does not decide the figures), with one trainee logged in through the
login form and CSRF on, as in production. Requests go straight to the WSGI app (no network): the figures are
server-side time. The recompute request is what the numbers page sends as the trainee types: the page's
fields in, the results fragment (key figures, warnings, SVG charts, the cash-flow table on the cash-flow page)
and the out-of-band revision and field errors out. The mentor's home is GET /mentees for a mentor of 30
trainees, each with a plan waiting for review, comment threads, a session and overdue milestones, one in three
with a loan.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from flask.testing import FlaskClient

from . import Benchmark
from .finance import sample_plan

PASSWORD = "bench-password-1234"  # noqa: S105 - a throw-away account in a temporary database
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
_FORM = "application/x-www-form-urlencoded"
_REVISION = re.compile(r'id="assumptions-rev" name="assumptions_rev" value="(\d+)"')


#: The horizons measured: the usual three years and the longest plans seen in the programmes.
HORIZONS = (36, 60)
#: The recompute request may take at most this many times the trivial endpoint of the same app.
MAX_RATIO = 5.0
#: The mentor's home with this many mentees may take at most MENTEES_MAX_RATIO times the trivial endpoint.
MENTEES = 30
MENTEES_MAX_RATIO = 10.0


class PlanSession:
    """A logged-in trainee with a 36-month and a 60-month plan of 10 revenue streams each, ready to post their
    numbers pages."""

    def __init__(self, database_url: str | None = None) -> None:
        """`database_url`: an empty database to use instead of a new SQLite file (PostgreSQL, say)."""
        from flask_migrate import upgrade

        from workbench import create_app
        from workbench.auth.roles import Role
        from workbench.auth.services import create_user
        from workbench.extensions import db
        from workbench.plans import services

        # In memory where the system has it: the disk flushes of a busy machine would decide the figures.
        memory = Path("/dev/shm")  # noqa: S108 - a private temporary directory is made inside it
        self._folder = tempfile.TemporaryDirectory(
            prefix="workbench-bench-", dir=memory if memory.is_dir() else None
        )
        folder = Path(self._folder.name)
        previous = os.environ.get("WORKBENCH_INSTANCE_PATH")
        os.environ["WORKBENCH_INSTANCE_PATH"] = str(folder)
        try:
            self.app = create_app(
                {
                    "DATABASE_URL": database_url or "sqlite:///" + str(folder / "bench.sqlite3"),
                    "SECRET_KEY": "bench-secret",
                    "RATELIMIT_ENABLED": False,
                }
            )
        finally:
            if previous is None:
                os.environ.pop("WORKBENCH_INSTANCE_PATH")
            else:
                os.environ["WORKBENCH_INSTANCE_PATH"] = previous
        with self.app.app_context():
            upgrade()
            trainee = create_user(
                email="bench@example.org",
                full_name="Amina Bench",
                password=PASSWORD,
                roles=[Role.TRAINEE],
                actor=None,
                locale="en",
            )
            self.documents: dict[int, dict] = {}
            self.plan_ids: dict[int, int] = {}
            self.revisions: dict[int, int] = {}
            for months in HORIZONS:
                plan = services.create_plan(owner=trainee, business_type="food", title=f"Bench {months}")
                db.session.flush()
                document = sample_plan(streams=10, fixed_costs=12, loans=1, months=months)
                services.save_assumptions(plan, document, plan.assumptions_revision, trainee)
                db.session.commit()
                self.documents[months] = document
                self.plan_ids[months], self.revisions[months] = plan.id, plan.assumptions_revision
        self.client: FlaskClient = self.app.test_client()
        login_page = self.client.get("/login").get_data(as_text=True)
        response = self.client.post(
            "/login",
            data={"email": "bench@example.org", "password": PASSWORD, "csrf_token": self._token(login_page)},
        )
        if response.status_code != 302:
            raise RuntimeError(f"the benchmark trainee could not log in ({response.status_code})")
        first_plan = self.plan_ids[HORIZONS[0]]
        self.csrf = self._token(self.client.get(f"/plans/{first_plan}").get_data(as_text=True))
        self.mentor_client: FlaskClient | None = None

    def _log_in(self, client: FlaskClient, email: str) -> None:
        login_page = client.get("/login").get_data(as_text=True)
        response = client.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": self._token(login_page)}
        )
        if response.status_code != 302:
            raise RuntimeError(f"{email} could not log in ({response.status_code})")

    def _build_mentees(self) -> None:
        """A mentor of MENTEES trainees, each with what the mentor's home shows, made through the services."""
        from datetime import timedelta
        from decimal import Decimal

        from workbench.auth.roles import Role
        from workbench.auth.services import create_user
        from workbench.extensions import db
        from workbench.lending.services import record_disbursement
        from workbench.mentoring import comments, sessions
        from workbench.mentoring.milestone_models import MilestoneEvent
        from workbench.mentoring.milestones import give_milestones
        from workbench.mentoring.models import ThreadEventKind
        from workbench.plans import services
        from workbench.programme.services import assign_mentor, create_cohort, enrol
        from workbench.timeutil import programme_today

        with self.app.app_context():
            today = programme_today()
            mentor = create_user(
                email="mentor@example.org",
                full_name="Marco Bench",
                password=PASSWORD,
                roles=[Role.MENTOR],
                actor=None,
                locale="en",
            )
            cohort = create_cohort(name="Bench cohort", city=None, starts_on=None, ends_on=None, actor=None)
            for n in range(MENTEES):
                trainee = create_user(
                    email=f"mentee{n}@example.org",
                    full_name=f"Mentee {n:02d}",
                    password=None,
                    roles=[Role.TRAINEE],
                    actor=None,
                    locale="en",
                )
                enrol(trainee, cohort, actor=None)
                assign_mentor(trainee, mentor, None)
                plan = services.create_plan(
                    owner=trainee, business_type="food", title=f"Plan {n}", from_example=True
                )
                db.session.flush()
                version = services.submit_plan(plan, trainee)
                threads = []
                for author, body in ((mentor, "Who buys?"), (mentor, "Prices?"), (trainee, "Rent?")):
                    posted = comments.start_thread(
                        comments.Anchor(plan, version, "customers"),
                        author=author,
                        body=body,
                        quote=None,
                        token=comments.new_token(),
                    )
                    threads.append(posted.thread)
                comments.reply(threads[0], author=trainee, body="The offices.", token=comments.new_token())
                comments.change_state(threads[2], ThreadEventKind.RESOLVED, actor=mentor, seen=0)
                held = sessions.SessionDetails(
                    held_on=today - timedelta(days=3),
                    minutes=60,
                    channel="in_person",
                    services=frozenset({"strategy"}),
                    notes="",
                    next_steps="",
                )
                sessions.log_session(trainee, mentor, held, sessions.new_submission_key())
                start = today - timedelta(days=100)
                give_milestones(MilestoneEvent.LOAN_DISBURSED, trainee_id=trainee.id, start=start, actor=None)
                if n % 3 == 0:
                    record_disbursement(
                        version,
                        principal=Decimal("8000"),
                        annual_rate=Decimal("0.07"),
                        term_months=36,
                        grace_months=0,
                        method="annuity",
                        disbursed_on=today - timedelta(days=40),
                        disbursement_method="bank_transfer",
                        actor=None,
                    )
            db.session.commit()
        self.mentor_client = self.app.test_client()
        self._log_in(self.mentor_client, "mentor@example.org")

    @staticmethod
    def _token(html: str) -> str:
        found = _CSRF.search(html)
        if found is None:
            raise RuntimeError("no CSRF token on the page")
        return found.group(1)

    def recompute(self, section_key: str, months: int) -> Callable[[], object]:
        """One numbers request per call; each changes a value (as typing does), so each really saves."""
        from workbench.plans.numbers_form import form_from_document

        fields = form_from_document(self.documents[months], section_key, "en").values
        first = next(iter(fields))
        variants = [fields[first], fields[first] + "1"] if section_key != "cashflow" else ["400", "500"]
        if section_key == "cashflow":
            first = "opening_cash"
        url = f"/plans/{self.plan_ids[months]}/numbers/{section_key}"
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf}
        # The bodies are encoded once, as a browser sends them: the time measured is the server's.
        bodies = [urlencode({**fields, first: variant}) for variant in variants]
        calls = [0]

        def call() -> object:
            calls[0] += 1
            body = f"{bodies[calls[0] % 2]}&assumptions_rev={self.revisions[months]}"
            response = self.client.post(url, data=body, headers=headers, content_type=_FORM)
            html = response.get_data(as_text=True)
            revision = _REVISION.search(html)
            if response.status_code != 200 or revision is None or "<svg" not in html:
                raise RuntimeError(f"the recompute request failed ({response.status_code})")
            self.revisions[months] = int(revision.group(1))
            return html

        return call

    def mentor_home(self) -> Callable[[], object]:
        """GET /mentees for the mentor of MENTEES trainees, the whole page as a browser asks for it."""
        if self.mentor_client is None:
            self._build_mentees()
        client = self.mentor_client
        assert client is not None

        def call() -> object:
            response = client.get("/mentees")
            html = response.get_data(as_text=True)
            if response.status_code != 200 or html.count('class="card mentee-waiting"') != MENTEES:
                raise RuntimeError(f"the mentor's home failed ({response.status_code})")
            return html

        return call

    def trivial(self) -> Callable[[], object]:
        """The home address: session, login and locale handling, then a redirect to the trainee's page."""

        def call() -> object:
            response = self.client.get("/")
            if response.status_code != 302:
                raise RuntimeError(f"the trivial request failed ({response.status_code})")
            return response

        return call


@cache
def _session() -> PlanSession:
    return PlanSession()


TRIVIAL = "web: trivial endpoint (GET /, logged-in trainee)"


def benchmarks() -> list[Benchmark]:
    pages = {"sales_costs": "sales and costs page", "cashflow": "cash-flow page with the table"}
    return [
        Benchmark(TRIVIAL, 5e-3, lambda: _session().trivial(), repeat=200),
        *(
            Benchmark(
                f"web: recompute, {words}, {months} months, 10 streams",
                30e-3,
                lambda section_key=section_key, months=months: _session().recompute(section_key, months),
                repeat=60,
                compare_to=TRIVIAL,
                max_ratio=MAX_RATIO,
            )
            for months in HORIZONS
            for section_key, words in pages.items()
        ),
        Benchmark(
            f"web: mentor's home, {MENTEES} mentees (GET /mentees)",
            60e-3,
            lambda: _session().mentor_home(),
            repeat=40,
            compare_to=TRIVIAL,
            max_ratio=MENTEES_MAX_RATIO,
        ),
    ]
