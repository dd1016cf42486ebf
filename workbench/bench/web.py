"""Benchmarks of the plan's recompute request, against a trivial endpoint of the same app in the same run.

The app runs on a throw-away SQLite database built by the migrations, with one trainee logged in through the
login form and CSRF on, as in production. Requests go straight to the WSGI app (no network): the figures are
server-side time. The recompute request is what the numbers page sends as the trainee types: the page's
fields in, the results fragment (key figures, warnings, SVG charts, the cash-flow table on the cash-flow page)
and the out-of-band revision and field errors out.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from flask.testing import FlaskClient

from . import Benchmark
from .finance import sample_plan

PASSWORD = "bench-password-1234"  # noqa: S105 - a throw-away account in a temporary database
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
_REVISION = re.compile(r'id="assumptions-rev" name="assumptions_rev" value="(\d+)"')


class PlanSession:
    """A logged-in trainee with a 36-month plan of 10 revenue streams, ready to post its numbers pages."""

    def __init__(self) -> None:
        from flask_migrate import upgrade

        from workbench import create_app
        from workbench.auth.roles import Role
        from workbench.auth.services import create_user
        from workbench.extensions import db
        from workbench.plans import services

        self._folder = tempfile.TemporaryDirectory(prefix="workbench-bench-")
        folder = Path(self._folder.name)
        previous = os.environ.get("WORKBENCH_INSTANCE_PATH")
        os.environ["WORKBENCH_INSTANCE_PATH"] = str(folder)
        try:
            self.app = create_app(
                {
                    "DATABASE_URL": "sqlite:///" + str(folder / "bench.sqlite3"),
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
            plan = services.create_plan(owner=trainee, business_type="food", title="Bench kitchen")
            db.session.flush()
            self.document = sample_plan(streams=10, fixed_costs=12, loans=1, months=36)
            services.save_assumptions(plan, self.document, plan.assumptions_revision, trainee)
            db.session.commit()
            self.plan_id, self.revision = plan.id, plan.assumptions_revision
        self.client: FlaskClient = self.app.test_client()
        login_page = self.client.get("/login").get_data(as_text=True)
        response = self.client.post(
            "/login",
            data={"email": "bench@example.org", "password": PASSWORD, "csrf_token": self._token(login_page)},
        )
        if response.status_code != 302:
            raise RuntimeError(f"the benchmark trainee could not log in ({response.status_code})")
        self.csrf = self._token(self.client.get(f"/plans/{self.plan_id}").get_data(as_text=True))

    @staticmethod
    def _token(html: str) -> str:
        found = _CSRF.search(html)
        if found is None:
            raise RuntimeError("no CSRF token on the page")
        return found.group(1)

    def recompute(self, section_key: str) -> Callable[[], object]:
        """One numbers request per call; each changes a value (as typing does), so each really saves."""
        from workbench.plans.financials import form_from_document

        fields = form_from_document(self.document, section_key, "en").values
        first = next(iter(fields))
        variants = [fields[first], fields[first] + "1"] if section_key != "cashflow" else ["400", "500"]
        if section_key == "cashflow":
            first = "opening_cash"
        url = f"/plans/{self.plan_id}/numbers/{section_key}"
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf}
        calls = [0]

        def call() -> object:
            calls[0] += 1
            data = {**fields, first: variants[calls[0] % 2], "assumptions_rev": str(self.revision)}
            response = self.client.post(url, data=data, headers=headers)
            html = response.get_data(as_text=True)
            revision = _REVISION.search(html)
            if response.status_code != 200 or revision is None or "<svg" not in html:
                raise RuntimeError(f"the recompute request failed ({response.status_code})")
            self.revision = int(revision.group(1))
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
    return [
        Benchmark(TRIVIAL, 5e-3, lambda: _session().trivial(), repeat=200),
        Benchmark(
            "web: recompute, sales and costs page, 36 months, 10 streams",
            30e-3,
            lambda: _session().recompute("sales_costs"),
            repeat=60,
            compare_to=TRIVIAL,
        ),
        Benchmark(
            "web: recompute, cash-flow page with the table, 36 months, 10 streams",
            30e-3,
            lambda: _session().recompute("cashflow"),
            repeat=60,
            compare_to=TRIVIAL,
        ),
    ]
