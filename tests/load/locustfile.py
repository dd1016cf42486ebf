"""Simulated trainees, mentors, loan officers and managers following the real journeys, as a browser with
htmx would send them.

Started by `python -m tests.load.run` (`make load`), which seeds the accounts and reads back the writes. Each
trainee account is used from two devices at once (WORKBENCH_LOAD_DEVICES, a phone and a laptop), so the
revision checks are exercised as in real life. Every write the server acknowledges ("Saved", a repayment
posted) is appended to WORKBENCH_LOAD_ACKS; run.py compares them with the database afterwards.

Officers work the queue, read applications and loans and post repayments (now and then with a double click);
managers read the programme, the lending settings and the portfolio (MANAGER_JOURNEYS: a journey is a list
of pages, so a new page is one more line there).

CSRF is on: every form post carries the token read from the page's <meta name="csrf-token">.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from locust import HttpUser, between, task

ACCOUNTS = json.loads(open(os.environ["WORKBENCH_LOAD_ACCOUNTS"], encoding="utf-8").read())  # noqa: SIM115
ACKS = open(os.environ["WORKBENCH_LOAD_ACKS"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115
DEVICES = int(os.environ.get("WORKBENCH_LOAD_DEVICES", "2"))
_trainee_numbers = itertools.count()
_mentor_numbers = itertools.count()
_officer_numbers = itertools.count()
_manager_numbers = itertools.count()

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
TEXTAREA = re.compile(r'<textarea id="answer-([\w-]+)"')
REVISION = re.compile(r'id="rev-([\w-]+)" name="rev-[\w-]+" value="(\d+)"')
NUMBERS_REVISION = re.compile(r'name="assumptions_rev" value="(\d+)"')
PLAN_LINK = re.compile(r'href="/plans/(\d+)"')
VERSION_LINK = re.compile(r'href="/plans/\d+/versions/(\d+)"')
APPLICATION_LINK = re.compile(r'href="/applications/(\d+)"')
PAYMENT_KEY = re.compile(r'name="idempotency_key"[^>]*value="([0-9a-f]{32})"')

#: What a programme manager reads: journey -> (weight, the pages of one visit, in order). A new page is one
#: more path in a list, a new journey one more line.
MANAGER_JOURNEYS: dict[str, tuple[int, list[str]]] = {
    "programme": (3, ["/programme", "/programme/people"]),
    "lending settings": (2, ["/products", "/products/limits", "/products/usury", "/products/scorecard"]),
    "portfolio": (3, ["/portfolio", "/queue", "/ledger"]),
}


def record(**ack: object) -> None:
    ACKS.write(json.dumps(ack) + "\n")


class Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    account: dict

    def log_in(self) -> None:
        page = self.client.get("/login", name="/login")
        token = CSRF.search(page.text).group(1)
        response = self.client.post(
            "/login",
            data={"email": self.account["email"], "password": self.account["password"], "csrf_token": token},
            name="/login [POST]",
            allow_redirects=False,
        )
        if response.status_code not in (302, 303):
            response.failure(f"login refused: {response.status_code}")

    def page(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return ""
            return response.text


class Trainee(Person):
    weight = 8

    def on_start(self) -> None:
        number = next(_trainee_numbers)
        self.account = ACCOUNTS["trainees"][(number // DEVICES) % len(ACCOUNTS["trainees"])]
        self.plan = self.account["plan_id"]
        self.sections = self.account["text_sections"]
        self.revisions: dict[str, int] = {}
        self.log_in()

    def open_section(self, key: str) -> str:
        html = self.page(f"/plans/{self.plan}/sections/{key}", "/plans/[id]/sections/[key]")
        for question, revision in REVISION.findall(html):
            self.revisions[question] = int(revision)
        return html

    @task(2)
    def overview(self) -> None:
        self.page(f"/plans/{self.plan}", "/plans/[id]")

    @task(2)
    def section(self) -> None:
        self.open_section(random.choice(self.sections))

    @task(8)
    def autosave(self) -> None:
        # Half the time the answer both devices have open (the first section's first question).
        hot = random.random() < 0.5
        key = self.sections[0] if hot else random.choice(self.sections)
        html = self.open_section(key)
        questions, token = TEXTAREA.findall(html), CSRF.search(html)
        if not questions or not token:
            return
        question = questions[0] if hot else random.choice(questions)
        base = self.revisions.get(question, 0)
        # a person types for a while: several autosaves of the same answer in a row
        for _typing in range(random.randint(1, 3)):
            text = f"load {self.account['email']} {uuid.uuid4().hex}"
            sent = time.time()
            with self.client.post(
                f"/plans/{self.plan}/sections/{key}",
                data={
                    "csrf_token": token.group(1),
                    f"answer-{question}": text,
                    f"language-{question}": "it",
                    f"rev-{question}": str(base),
                },
                headers={
                    "HX-Request": "true",
                    "HX-Current-URL": f"{self.host}/plans/{self.plan}/sections/{key}",
                },
                name="/plans/[id]/sections/[key] [autosave]",
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code}")
                    return
                saved = dict(REVISION.findall(response.text))
                if "save-ok" in response.text and question in saved:
                    base = int(saved[question])
                    self.revisions[question] = base
                    record(kind="answer", plan=self.plan, key=question, revision=base, text=text, sent=sent)
                elif "save-conflict" in response.text:
                    self.open_section(key)  # the person reads the other text and starts again
                    return
                else:
                    response.failure("autosave answered without Saved or a conflict")
                    return
            time.sleep(random.uniform(0.3, 1.2))

    @task(3)
    def numbers(self) -> None:
        html = self.page(f"/plans/{self.plan}/sections/cashflow", "/plans/[id]/sections/cashflow")
        revision, token = NUMBERS_REVISION.search(html), CSRF.search(html)
        if not revision or not token:
            return
        value = str(random.randint(1000, 9_999_999))
        fields = dict(re.findall(r'<input[^>]*name="((?:start_month|months))"[^>]*value="([^"]*)"', html))
        with self.client.post(
            f"/plans/{self.plan}/numbers/cashflow",
            data={
                "csrf_token": token.group(1),
                "assumptions_rev": revision.group(1),
                "opening_cash": value,
                **fields,
            },
            headers={
                "HX-Request": "true",
                "HX-Current-URL": f"{self.host}/plans/{self.plan}/sections/cashflow",
            },
            name="/plans/[id]/numbers/cashflow [autosave]",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return
            if response.headers.get("HX-Retarget"):
                return  # the page was stale: the person is shown both versions
            new = NUMBERS_REVISION.search(response.text)
            refused = '<p class="error" id="error-opening_cash" hx-swap-oob="true"></p>' not in response.text
            if refused:
                response.failure("the opening cash was refused")
            elif "save-ok" in response.text and new:
                record(
                    kind="numbers", plan=self.plan, key="opening_cash", revision=int(new.group(1)), text=value
                )

    @task(1)
    def printable(self) -> None:
        self.page(f"/plans/{self.plan}/print", "/plans/[id]/print")


class Mentor(Person):
    weight = 2

    def on_start(self) -> None:
        number = next(_mentor_numbers)
        self.account = ACCOUNTS["mentors"][number % len(ACCOUNTS["mentors"])]
        self.plans: list[str] = []
        self.log_in()

    @task(2)
    def mentees(self) -> None:
        html = self.page("/mentees", "/mentees")
        self.plans = PLAN_LINK.findall(html) or self.plans

    @task(4)
    def plan(self) -> None:
        if not self.plans:
            return self.mentees()
        plan = random.choice(self.plans)
        html = self.page(f"/plans/{plan}", "/plans/[id]")
        versions = sorted({int(n) for n in VERSION_LINK.findall(html)})
        if versions:
            self.page(f"/plans/{plan}/versions/{versions[-1]}", "/plans/[id]/versions/[n]")
        if len(versions) >= 2:
            self.page(f"/plans/{plan}/compare?old={versions[0]}&new={versions[-1]}", "/plans/[id]/compare")
        return None


class Officer(Person):
    weight = 1

    def on_start(self) -> None:
        number = next(_officer_numbers)
        self.account = ACCOUNTS["officers"][number % len(ACCOUNTS["officers"])]
        self.applications: list[str] = [str(n) for n in ACCOUNTS["applications"]]
        self.loans: list[int] = ACCOUNTS["loans"]
        self.log_in()

    @task(2)
    def queue(self) -> None:
        html = self.page("/queue", "/queue")
        self.applications = APPLICATION_LINK.findall(html) or self.applications

    @task(3)
    def application(self) -> None:
        self.page(f"/applications/{random.choice(self.applications)}", "/applications/[id]")

    @task(2)
    def loan(self) -> None:
        self.page(f"/loans/{random.choice(self.loans)}", "/loans/[id]")

    @task(3)
    def repayment(self) -> None:
        """Open a loan, post a repayment that arrived today; one time in ten the button is pressed twice."""
        loan = random.choice(self.loans)
        html = self.page(f"/loans/{loan}", "/loans/[id]")
        token, key = CSRF.search(html), PAYMENT_KEY.search(html)
        if not token or not key:
            return
        form = {
            "csrf_token": token.group(1),
            "idempotency_key": key.group(1),
            "paid_on": datetime.now(ZoneInfo("Europe/Rome")).date().isoformat(),
            "amount": str(random.randint(10, 40)),
            "reference": f"Bonifico load {uuid.uuid4().hex[:12]}",
        }
        for _press in range(2 if random.random() < 0.1 else 1):
            with self.client.post(
                f"/loans/{loan}/payments",
                data=form,
                name="/loans/[id]/payments [POST]",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 303:
                    response.failure(f"repayment not posted: {response.status_code}")
                    return
                record(kind="payment", loan=loan, key=form["idempotency_key"], amount=form["amount"])
        self.page(f"/loans/{loan}", "/loans/[id]")  # where the redirect leads


def _manager_journey(pages: list[str]):
    def visit(user: Manager) -> None:
        for path in pages:
            user.page(path, path)

    visit.__name__ = "visit " + " ".join(pages)
    return visit


class Manager(Person):
    weight = 1
    tasks = {_manager_journey(pages): weight for weight, pages in MANAGER_JOURNEYS.values()}

    def on_start(self) -> None:
        number = next(_manager_numbers)
        self.account = ACCOUNTS["managers"][number % len(ACCOUNTS["managers"])]
        self.log_in()
