"""The machinery of the fuzz suite: a small world with one person per role, a crawler that finds every form
and htmx post a role can reach, hostile values, and the checks run after each hostile request.

Nothing here lists endpoints: the targets come from app.url_map and from the pages themselves, so a new
endpoint is fuzzed as soon as a page offers a form for it (and test_fuzz fails if no page does).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import select as io_select
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from io import BytesIO
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from tests.factories import endorsed_version
from tests.support import login_as, make_person
from workbench.auth.models import RoleGrant, User
from workbench.auth.roles import Role
from workbench.auth.services import issue_password_reset
from workbench.extensions import db
from workbench.lending.applications import Request as ApplicationRequest
from workbench.lending.applications import apply_for_credit, propose_decision
from workbench.lending.bank_import import preview as bank_preview
from workbench.lending.bank_import import store_preview
from workbench.lending.decisions import confirm
from workbench.lending.loan_decisions import propose_reschedule
from workbench.lending.product_models import MicrocreditLimit
from workbench.lending.products import DEMO_PRODUCT, active_products, create_product
from workbench.lending.repayments import new_idempotency_key, post_repayment
from workbench.lending.scorecard import JUDGED, Rating, score_application
from workbench.lending.services import record_disbursement
from workbench.lending.settings_demo import seed_lending_settings
from workbench.mentoring import comments
from workbench.mentoring.milestones import mark_done, milestones_of, waive
from workbench.mentoring.models import ThreadEventKind
from workbench.mentoring.sessions import SessionDetails, new_submission_key
from workbench.mentoring.sessions import log_session as log_tutoring_session
from workbench.notifications.outbox import notify
from workbench.plans import services as plan_services
from workbench.plans.models import BusinessPlan
from workbench.plans.services import AnswerEdit, create_plan, request_changes, save_answers, submit_plan
from workbench.privacy.erasure import request_erasure
from workbench.programme.models import Enrolment
from workbench.programme.pathway import (
    add_goal,
    add_service,
    new_spending_key,
    record_spending,
    set_grant,
)
from workbench.programme.services import (
    add_mentor,
    assign_mentor,
    complete_training,
    create_cohort,
    enrol,
    enrolment_of,
)
from workbench.programme.training import Cell, ModuleDetails, add_module, save_register
from workbench.timeutil import programme_today

ROLES = ("anonymous", "trainee", "mentor", "officer", "manager")
HOST = "workbench.test"  # tests.support.make_app's SERVER_NAME
IGNORED_ENDPOINTS = {"static"}

#: Slowest acceptable answer to one hostile request (seconds); a shared 2-core CI box stays well under it.
MAX_SECONDS = float(os.environ.get("WORKBENCH_FUZZ_MAX_SECONDS", "3"))
#: A request still running after this long is stuck (a runaway number): its process is killed and reported.
HARD_SECONDS = float(os.environ.get("WORKBENCH_FUZZ_HARD_SECONDS", str(MAX_SECONDS + 3)))

#: The hostile corpus every field may receive. Hypothesis picks from it and adds its own text.
HOSTILE: tuple[str, ...] = (
    "",
    " ",
    "x" * 10_050,
    "9" * 5_000,
    "1e1000000",
    "9e999999999",
    "-1e1000000",
    "1e-1000000",
    "1e308",
    "1E+26",
    "999999999999999999999999999999",
    "99999999999999999999",
    "-1",
    "-0",
    "-99999999999999999999",
    "0",
    "a\x00b",
    "\x00",
    "٣",
    "١٢٣٫٤٥",
    "１２３",
    "1,5",
    "1.5",
    "1.234,56",
    "1,234.56",
    "NaN",
    "Infinity",
    "-inf",
    "0x1F",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "\u202e\u2066evil",
    "%",
    "12%",
    "2026-13",
    "9999-99",
    "../../etc/passwd",
    "' OR 1=1 --",
)

#: Hostile values in URLs: path segments and query arguments.
HOSTILE_URL: tuple[str, ...] = (
    "99999999999999999999",
    "9223372036854775808",
    "2147483648",
    "0",
    "-1",
    "1e1000000",
    "9" * 5_000,
    "a\x00b",
    "x" * 10_050,
    "<script>alert(1)</script>",
    "٣",
    "１",
)
#: The values every URL argument of every rule gets by default: one of each kind of trouble.
HOSTILE_URL_QUICK: tuple[str, ...] = (
    "99999999999999999999",
    "2147483648",
    "9" * 5_000,
    "a\x00b",
    "x" * 10_050,
    "<script>alert(1)</script>",
    "٣",
)

#: Query arguments fuzzed on every GET page, besides the ones its own links and forms use.
COMMON_QUERY = ("page", "q", "next", "lang")


# --- the world ---------------------------------------------------------------------------------------------


@dataclass
class World:
    """Real objects to fill URL parameters with, and the people to log in as."""

    people: dict[str, int]  # role -> user id (objects would outlive their session)
    values: dict[str, Any]
    plan_ids: list[int]
    roles: dict[int, set[str]] = field(default_factory=dict)

    def restore(self, client: FlaskClient, role: str) -> None:
        """Undo what earlier hostile requests did to the people (roles, deactivation, logout) and log in."""
        db.session.rollback()
        for user_id in self.people.values():
            current = db.session.get(User, user_id)
            current.active = True
            held = {grant.role for grant in current.grants}
            for missing in self.roles[user_id] - held:
                db.session.add(RoleGrant(user_id=user_id, role=missing))
        db.session.commit()
        client.delete_cookie("session", domain=HOST)
        client.delete_cookie("remember_token", domain=HOST)
        if role != "anonymous":
            login_as(client, db.session.get(User, self.people[role]))
        db.session.close()


def build_world() -> World:
    """Same shape as the route matrix: a trainee with a mentor, a sent plan, a draft with changes, a token, a
    loan on the sent plan and a tutoring session."""
    cohort = create_cohort(name="Fuzz cohort", city="Venezia", starts_on=None, ends_on=None, actor=None)
    trainee = make_person("fuzz.trainee@example.org", [Role.TRAINEE], "Fuzz Trainee", locale="it")
    # Details for the reports (the person page's form, the funnel's gender and country filters).
    trainee.country, trainee.gender, trainee.protection_status = "SN", "female", "refugee"
    enrol(trainee, cohort, actor=None)
    people = {"trainee": trainee}
    for name in ("mentor", "officer", "manager"):
        people[name] = make_person(f"fuzz.{name}@example.org", [Role(name)], locale="en")
    other = make_person("fuzz.other@example.org", [Role.TRAINEE], "Other Trainee", locale="ar")
    enrol(other, cohort, actor=None)
    assign_mentor(trainee, people["mentor"], None)
    # Another mentor beside the primary one (the person page offers to end that assignment), and a mentor
    # who accompanies nobody yet (the page offers to add them).
    second = make_person("fuzz.mentor2@example.org", [Role.MENTOR], "Second Mentor", locale="fr")
    make_person("fuzz.mentor3@example.org", [Role.MENTOR], "Third Mentor", locale="ar")
    other_mentor = add_mentor(trainee, second, None)
    token = issue_password_reset(trainee, None)
    sent = create_plan(owner=trainee, business_type="food", title="Sent plan", from_example=True)
    db.session.flush()
    submit_plan(sent, trainee)
    request_changes(sent, db.session.get(User, people["mentor"].id), "Rivedi i costi.")
    first = sent.answers[0]
    save_answers(
        sent, [AnswerEdit(first.question_key, first.text + " (2)", first.language, first.revision)], trainee
    )
    financed = submit_plan(sent, trainee)  # two versions: the comparison page exists
    # A loan on it gives the trainee milestones: one done (its sign-off and reopen forms), one waived, the
    # others pending (done and waive forms); the loan is paid out long enough ago for some to be overdue.
    loan = record_disbursement(
        financed,
        principal=Decimal("5000"),
        annual_rate=Decimal("0.05"),
        term_months=24,
        grace_months=0,
        method="annuity",
        disbursed_on=date(2026, 1, 15),
        disbursement_method="bank_transfer",
        actor=people["officer"],
    )
    tutoring = log_tutoring_session(
        trainee,
        people["mentor"],
        SessionDetails(
            held_on=programme_today(),
            minutes=60,
            channel="phone",
            services=frozenset({"strategy", "legal"}),
            notes="Primo incontro.",
            next_steps="Aprire la partita IVA.",
        ),
        new_submission_key(),
    ).session
    milestones = {m.template.key: m for m in milestones_of([trainee.id])[trainee.id]}
    mark_done(milestones["first_sale"], trainee, evidence="Primo scontrino.", base_revision=1)
    waive(milestones["review_12_months"], people["manager"], reason="Loan repaid early.", base_revision=1)
    # comment threads: an open one (reply and resolve forms) and a resolved one (the reopen form)
    mentor = db.session.get(User, people["mentor"].id)
    thread = comments.start_thread(
        comments.Anchor(sent, financed, "about_you", "skills"),
        author=mentor,
        body="Quali?",
        token=comments.new_token(),
    ).thread
    settled = comments.start_thread(
        comments.Anchor(sent, financed, "idea"), author=mentor, body="Chiaro.", token=comments.new_token()
    ).thread
    comments.change_state(settled, ThreadEventKind.RESOLVED, actor=mentor, seen=0)
    undelivered = notify(
        other, "password_reset", transactional=True, reset_link="https://x.test/r", valid_hours=1
    )
    undelivered.status, undelivered.attempts, undelivered.last_error = "failed", 5, "550 no such user"
    # A repayment that stands (its reversal form) and a bank statement's preview with a matched row (its post
    # form), the upload form being on its own page.
    officer = db.session.get(User, people["officer"].id)
    post_repayment(
        loan,
        paid_on=date(2026, 2, 15),
        amount=Decimal("200"),
        reference="Rata 1",
        key=new_idempotency_key(),
        actor=officer,
    )
    statement = store_preview(
        "statement.csv",
        bank_preview(f"2026-03-15;100,00;WB-{loan.id} rata\n".encode()),
        officer,
    )
    # lending settings: an active product (its edit and switch-off forms), the limits and the TEGM quarters
    product = create_product(DEMO_PRODUCT, people["manager"])
    seed_lending_settings()
    # Credit applications: the trainee's endorsed plan not applied on yet (the application form); another
    # trainee's applications scored (score and proposal forms), with a proposal waiting for the officer and
    # the manager (confirm and decline forms) and with a confirmed approval (the payout form).
    endorsed_version(trainee, people["mentor"], title="Endorsed plan")
    proposer = make_person("fuzz.proposer@example.org", [Role.OFFICER], "Proposer", locale="it")
    ratings = {key: Rating(3, "Bene.") for key in JUDGED}
    applicants = []
    for n in range(3):
        applicant = make_person(
            f"fuzz.applicant{n}@example.org", [Role.TRAINEE], f"Applicant {n}", locale="fr"
        )
        enrol(applicant, cohort, actor=None)
        version = endorsed_version(applicant, people["mentor"], title=f"Applied {n}")
        applied = apply_for_credit(
            version, applicant, ApplicationRequest(Decimal("5000"), 24, 0, "Tools", "srl")
        )
        score_application(applied, proposer, ratings, seen=0)
        applicants.append(applied)
    first_due = programme_today() + timedelta(days=30)
    terms = {
        "product_id": active_products()[0].id,
        "amount": Decimal("5000"),
        "annual_rate": Decimal("0.05"),
        "term_months": 24,
        "grace_months": 0,
        "method": "annuity",
        "first_due_on": first_due,
    }
    # The officer's own proposal waits for the manager; the officer's queue so lists the scored application
    # before it, and the approved one (the page's seed) offers the payout.
    waiting = propose_decision(applicants[1], people["officer"], "approve", terms=terms, note="")
    approval = propose_decision(applicants[2], proposer, "approve", terms=terms, note="")
    confirm(approval, people["manager"])
    # A loan whose reschedule the proposer proposed: the officer's and the manager's inbox (the queue) link to
    # its page, which offers them the confirm and decline forms; the trainee's loan offers the officer the
    # write-off and reschedule forms.
    borrower = make_person("fuzz.borrower@example.org", [Role.TRAINEE], "Borrower", locale="ar")
    enrol(borrower, cohort, actor=None)
    restructuring = record_disbursement(
        endorsed_version(borrower, people["mentor"], title="Restructuring"),
        principal=Decimal("6000"),
        annual_rate=Decimal("0.05"),
        term_months=24,
        grace_months=0,
        method="annuity",
        disbursed_on=programme_today() - timedelta(days=150),
        disbursement_method="bank_transfer",
        actor=people["officer"],
    )
    propose_reschedule(
        restructuring,
        proposer,
        annual_rate=Decimal("0.04"),
        term_months=30,
        grace_months=2,
        method="annuity",
        first_due_on=first_due,
        note="Tre mesi di malattia.",
    )
    draft = create_plan(owner=trainee, business_type="tailoring", title="Draft", from_example=True)
    foreign = create_plan(owner=other, business_type="food", title="Not yours", from_example=True)
    enrolment = db.session.scalars(select(Enrolment).where(Enrolment.user_id == trainee.id)).one()
    # The cohort's training: a module with a register (its register and edit forms) and one without (its
    # remove form); the other trainee completed by hand before, now below the share (the withdraw form). A
    # second cohort without modules offers the manager's "mark completed" button.
    manager = db.session.get(User, people["manager"].id)
    complete_training(enrolment_of(other), manager)
    module = add_module(cohort, ModuleDetails("Genera la tua idea", Decimal("8"), date(2026, 3, 9)), manager)
    add_module(cohort, ModuleDetails("Il mercato", Decimal("4.5"), date(2026, 3, 16)), manager)
    save_register(module, [Cell(enrolment.id, Decimal("6"), 0)], manager)
    by_hand = create_cohort(
        name="Fuzz cohort without modules", city=None, starts_on=None, ends_on=None, actor=None
    )
    enrol(make_person("fuzz.b@example.org", [Role.TRAINEE], "Fuzz Bee", locale="fr"), by_hand, actor=None)
    # The trainee's individual pathway: a goal and a service (their status forms), a budget with a spending
    # (the grant, spending and reversal forms).
    goal = add_goal(trainee, "Aprire la partita IVA", date(2026, 3, 4), manager)
    service = add_service(trainee, "Mediazione interculturale", "Comune", date(2026, 3, 4), manager)
    set_grant(trainee, "allowance", Decimal("3000"), seen_revision=0, actor=manager)
    spending = record_spending(
        trainee,
        "allowance",
        spent_on=date(2026, 6, 10),
        amount=Decimal("500"),
        note="Giugno",
        key=new_spending_key(),
        actor=manager,
    )
    # A data-protection erasure request waiting for confirmation (its confirm and cancel forms); only the
    # trainee's e-mail typed exactly carries it out, which no hostile value is.
    erasure_request = request_erasure(
        trainee, reason="person_request", requested_on=date(2026, 12, 1), actor=manager
    )
    db.session.commit()
    values = {
        "cohort_id": cohort.id,
        "user_id": trainee.id,
        "enrolment_id": enrolment.id,
        "token": token,
        "plan_id": sent.id,
        "section_key": "about_you",
        "number": 1,
        "loan_id": loan.id,
        "session_id": tutoring.id,
        "milestone_id": milestones["chamber_of_commerce"].id,
        "template_id": milestones["chamber_of_commerce"].template_id,
        "assignment_id": other_mentor.id,
        "thread_id": thread.id,
        "batch_id": statement.id,
        "product_id": product.id,
        "limit_id": db.session.scalars(select(MicrocreditLimit.id)).first(),
        "application_id": applicants[2].id,
        "proposal_id": waiting.id,
        "module_id": module.id,
        "goal_id": goal.id,
        "service_id": service.id,
        "spending_id": spending.id,
        "category": "allowance",
        "request_id": erasure_request.id,
    }
    world = World(
        people={role: user.id for role, user in people.items()},
        values=values,
        plan_ids=[sent.id, draft.id, foreign.id],
        roles={user.id: {grant.role for grant in user.grants} for user in people.values()},
    )
    world.values["foreign_plan_id"] = foreign.id
    world.values["other_user_id"] = other.id
    return world


def fill(app: Flask, rule, values: dict[str, Any]) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})


def rules(app: Flask, method: str) -> list:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint not in IGNORED_ENDPOINTS and method in r.methods),
        key=lambda r: r.rule,
    )


def post_endpoints(app: Flask) -> set[str]:
    return {r.endpoint for r in rules(app, "POST")}


def endpoint_of(app: Flask, url: str, method: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != HOST:
        return None
    try:
        endpoint, _args = app.url_map.bind(HOST).match(parts.path, method=method)
    except (NotFound, MethodNotAllowed, RequestRedirect):
        return None
    return endpoint


# --- the crawler -------------------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "textarea", "button"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: list[Field]
    page: str
    endpoint: str | None = None

    def defaults(self) -> MultiDict:
        """What a browser sends when the person presses the first submit button without typing."""
        data = MultiDict()
        for item in self.fields:
            if item.kind in {"button", "submit", "file", "image", "reset"}:
                continue
            if item.kind in {"checkbox", "radio"}:
                if item.options:
                    data.add(item.name, item.options[0])
                continue
            if item.kind == "select":
                data.add(item.name, item.value or (item.options[0] if item.options else ""))
                continue
            data.add(item.name, item.value)
        return data

    def names(self) -> list[str]:
        return sorted({item.name for item in self.fields})

    def buttons(self) -> list[Field]:
        return [item for item in self.fields if item.kind in {"button", "submit"}]


class _FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.hx_posts: list[tuple[str, Field | None]] = []
        self._stack: list[Form] = []
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            form = Form(
                action=a.get("action") or self.page,
                method=(a.get("method") or "get").upper(),
                enctype=a.get("enctype", ""),
                fields=[],
                page=self.page,
            )
            self._stack.append(form)
            self.forms.append(form)
            if a.get("hx-post") and a["hx-post"] != form.action:
                self.hx_posts.append((a["hx-post"], None))
            return
        current = self._stack[-1] if self._stack else None
        if "hx-post" in a:
            name = a.get("name")
            self.hx_posts.append((a["hx-post"], Field(name, tag, a.get("value", "")) if name else None))
            if current is not None and current.action != a["hx-post"]:
                # an htmx button posts its form to its own address: a form of its own
                copy = Form(a["hx-post"], "POST", current.enctype, current.fields, self.page)
                self.forms.append(copy)
        name = a.get("name")
        if current is None or not name:
            if tag == "select":
                self._select = None
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            existing = next((f for f in current.fields if f.name == name and f.kind == kind), None)
            if kind in {"checkbox", "radio"}:
                value = a.get("value", "on")
                if existing:
                    existing.options.append(value)
                else:
                    current.fields.append(Field(name, kind, "", [value]))
            else:
                current.fields.append(Field(name, kind, a.get("value", "")))
        elif tag == "button":
            current.fields.append(Field(name, "button", a.get("value", "")))
        elif tag == "select":
            self._select = Field(name, "select")
            current.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.value = a.get("value", "")
        elif tag == "textarea":
            self._textarea = Field(name, "textarea")
            current.fields.append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._stack:
            self._stack.pop()
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


@dataclass
class Crawl:
    forms: list[Form]
    pages: list[str]
    queries: dict[str, set[str]]  # GET endpoint -> query argument names seen in its links and forms


def crawl(app: Flask, client: FlaskClient, world: World, role: str, max_per_endpoint: int = 2) -> Crawl:
    """Every page the role reaches from the seeds (each GET rule filled with real objects) and from links."""
    world.restore(client, role)
    seeds = []
    for rule in rules(app, "GET"):
        if is_download(rule.rule):
            continue
        for plan_id in world.plan_ids if "plan_id" in rule.arguments else [None]:
            values = dict(world.values, **({"plan_id": plan_id} if plan_id else {}))
            seeds.append(fill(app, rule, values))
    queue = deque(seeds)
    seen: set[str] = set()
    per_endpoint: dict[str, int] = {}
    forms: list[Form] = []
    pages: list[str] = []
    queries: dict[str, set[str]] = {}
    while queue:
        url = queue.popleft()
        parts = urlsplit(url)
        key = parts.path + ("?" + parts.query if parts.query else "")
        endpoint = endpoint_of(app, url, "GET")
        if key in seen or endpoint is None or is_download(parts.path):
            continue
        seen.add(key)
        shape = page_shape(app, parts.path, endpoint)
        if per_endpoint.get(shape, 0) >= max_per_endpoint:
            continue
        per_endpoint[shape] = per_endpoint.get(shape, 0) + 1
        response = client.get(key)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages.append(key)
        parser = _FormParser(key)
        parser.feed(response.get_data(as_text=True))
        for link in parser.links:
            link_endpoint = endpoint_of(app, link, "GET")
            if link_endpoint:
                queries.setdefault(link_endpoint, set()).update(k for k, _ in parse_qsl(urlsplit(link).query))
                queue.append(link)
        for form in parser.forms:
            form.endpoint = endpoint_of(app, form.action, form.method)
            if form.method == "GET" and form.endpoint:
                queries.setdefault(form.endpoint, set()).update(form.names())
            elif form.endpoint:
                forms.append(form)
    return Crawl(forms=_unique(app, forms), pages=pages, queries=queries)


def page_shape(app: Flask, path: str, endpoint: str, method: str = "GET") -> str:
    """The endpoint with its text arguments (a section's key): ids vary, shapes are what is worth a visit."""
    _endpoint, args = app.url_map.bind(HOST).match(path, method=method)
    return endpoint + repr(sorted((k, v) for k, v in args.items() if not isinstance(v, int)))


def is_download(path: str) -> bool:
    """Files (PDF, spreadsheet, JSON) have no forms to find; the URL test still reaches them."""
    return "." in path.rsplit("/", 1)[-1]


#: Forms whose errors come back on the page of their subject, whichever it is (a four-eyes proposal's, on an
#: application's page and on a loan's page): fuzzed once per kind of page that shows them.
PER_KIND_OF_PAGE = frozenset({"lending.confirm_proposal", "lending.decline_proposal"})


def _unique(app: Flask, forms: list[Form]) -> list[Form]:
    """One form per endpoint and action shape: the same form on many pages or plans is fuzzed once."""
    kept: dict[str, Form] = {}
    for form in forms:
        shape = page_shape(app, urlsplit(form.action).path, form.endpoint, form.method)
        if form.endpoint in PER_KIND_OF_PAGE:
            shape += " on " + str(endpoint_of(app, form.page, "GET"))
        kept.setdefault(shape, form)
    return list(kept.values())


# --- sending and checking ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    status: int | None
    seconds: float
    error: str | None  # the traceback summary of an exception that escaped the app, or "stuck"
    location: str = ""
    #: Tables the request committed writes to, and "table.parameter" of written values holding a NUL byte.
    wrote: frozenset[str] = frozenset()
    nul: frozenset[str] = frozenset()


# --- what a request committed ------------------------------------------------------------------------------
#
# The request runs in a forked child; listeners on every engine note each INSERT, UPDATE and DELETE the child
# executes, keep the ones its transaction commits (a rolled-back transaction or savepoint drops its own), and
# hand them back with the outcome. That answers "did a refused request change a table?" and "was a NUL byte
# stored?" without reading every table before and after each request.

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_committed: dict[str, Any] = {"on": False, "tables": set(), "nul": set()}


def _pending(conn) -> list:
    return conn.info.setdefault("fuzz_writes", [])


def _marks(conn) -> list[int]:
    return conn.info.setdefault("fuzz_savepoints", [])


def _parameters(parameters: Any) -> list[tuple[str, Any]]:
    if isinstance(parameters, dict):
        return list(parameters.items())
    if isinstance(parameters, list | tuple):
        if parameters and isinstance(parameters[0], dict | list | tuple):
            return [pair for row in parameters for pair in _parameters(row)]
        return [(str(index), value) for index, value in enumerate(parameters)]
    return []


def _stores_nul(value: Any) -> bool:
    """A NUL in a text value, or in a JSON value (serialised before it reaches the driver)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return False  # binary columns may hold any byte
    if isinstance(value, str):
        return "\x00" in value or "\\u0000" in value
    wrapped = getattr(value, "obj", None)  # psycopg hands JSON over in a wrapper holding the document
    return wrapped is not None and "\\u0000" in json.dumps(wrapped, default=str)


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn, _cursor, statement, parameters, _context, _executemany) -> None:
    if not _committed["on"] or not (match := _WRITE.match(statement)):
        return
    table = match.group(1)
    nul = {f"{table}.{name}" for name, value in _parameters(parameters) if _stores_nul(value)}
    _pending(conn).append((table, nul))


@event.listens_for(Engine, "commit")
def _keep_writes(conn) -> None:
    for table, nul in _pending(conn):
        _committed["tables"].add(table)
        _committed["nul"].update(nul)
    _pending(conn).clear()
    _marks(conn).clear()


@event.listens_for(Engine, "rollback")
def _drop_writes(conn) -> None:
    _pending(conn).clear()
    _marks(conn).clear()


@event.listens_for(Engine, "savepoint")
def _mark_savepoint(conn, _name) -> None:
    _marks(conn).append(len(_pending(conn)))


@event.listens_for(Engine, "rollback_savepoint")
def _drop_savepoint_writes(conn, _name, _context) -> None:
    if _marks(conn):
        del _pending(conn)[_marks(conn).pop() :]


@event.listens_for(Engine, "release_savepoint")
def _keep_savepoint_writes(conn, _name, _context) -> None:
    if _marks(conn):
        _marks(conn).pop()


def in_child(work: Callable[[], Any], seconds: float = HARD_SECONDS) -> tuple[bool, Any]:
    """Run `work` in a forked copy of this process and return (finished, its result); not finished when the
    child was killed at the deadline or died without answering.

    A runaway computation cannot be interrupted inside a C call (int() of a 1e1000000 Decimal holds the
    interpreter for minutes); a child can be killed, so one stuck request is reported and the run goes on.
    The child opens its own database connections; what it commits is seen by the parent."""
    db.session.close()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 0
        try:
            os.close(read_end)
            db.engine.dispose(close=False)
            payload = pickle.dumps(work())
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not io_select.select([pipe], [], [], remaining)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return False, None
            chunk = pipe.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
    os.waitpid(pid, 0)
    if not chunks:  # the child died before answering
        return False, None
    return True, pickle.loads(b"".join(chunks))  # noqa: S301 - our own child's answer


def send(client: FlaskClient, method: str, url: str, data=None, headers=None) -> Outcome:
    """One request, timed, in a child process; an exception escaping the app is caught and summarised."""

    def work() -> Outcome:
        _committed["on"] = True
        started = time.perf_counter()
        try:
            response = client.open(url, method=method, data=data, headers=headers or {})
        except Exception as error:  # the app let it escape: a 500 in production
            outcome = Outcome(None, time.perf_counter() - started, summarise(error))
        else:
            response.close()
            seconds = time.perf_counter() - started
            outcome = Outcome(response.status_code, seconds, None, response.headers.get("Location", ""))
        outcome.wrote = frozenset(_committed["tables"])
        outcome.nul = frozenset(_committed["nul"])
        return outcome

    started = time.perf_counter()
    finished, outcome = in_child(work)
    if not finished:
        return Outcome(
            None, time.perf_counter() - started, f"no answer: stuck past {HARD_SECONDS:.0f} s or died"
        )
    return outcome


def printable(text: str) -> str:
    """Control characters (a NUL from the input echoed in an error) escaped, so reports stay plain text."""
    return "".join(c if c.isprintable() or c == "\n" else repr(c)[1:-1] for c in text)


def summarise(error: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "/workbench/" in f.filename]
    where = " <- ".join(
        f"{f.filename.split('/workbench/')[-1]}:{f.lineno} {f.name}" for f in frames[-3:][::-1]
    )
    message = (str(error).splitlines() or [""])[0][:160]
    return printable(f"{type(error).__name__}: {message} at {where or 'outside workbench'}")


def problems(outcome: Outcome) -> list[str]:
    found = []
    if outcome.error:
        found.append(f"exception escaped: {outcome.error}")
    elif outcome.status is not None and outcome.status >= 500:
        found.append(f"answered {outcome.status}")
    if outcome.seconds > MAX_SECONDS:
        found.append(f"took {outcome.seconds:.1f} s (limit {MAX_SECONDS} s)")
    return found


#: Requests whose own success is a redirect to the login page.
SESSION_ENDING = ("/logout",)


def denied(outcome: Outcome, url: str = "") -> bool:
    """The request was refused: nothing may have changed."""
    if outcome.status in {400, 401, 403, 404, 405, 413}:
        return True
    if url.startswith(SESSION_ENDING):
        return False
    return outcome.status in {302, 303} and "/login" in outcome.location


def snapshot() -> dict[str, tuple]:
    """Per table: row count, a digest of the content, and the rows holding a NUL byte in a text or JSON value
    (PostgreSQL refuses them; SQLite keeps them, and they break exports and other engines later)."""
    db.session.rollback()
    state = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()[:16]
            nul = frozenset(
                f"{table.name}.{column}"
                for row in rows
                for column, value in row._mapping.items()
                if _holds_nul(value)
            )
            state[table.name] = (len(rows), digest, nul, frozenset(repr(tuple(row)) for row in rows if nul))
    return state


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict | list):
        return "\\u0000" in json.dumps(value)
    return False


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name][:2] != after.get(name, (None, None))[:2])


def new_nul_bytes(before: dict, after: dict) -> list[str]:
    """Columns where a row that was not there before holds a NUL byte."""
    found: set[str] = set()
    for name, (_count, _digest, nul, rows) in after.items():
        if nul and rows - before.get(name, (0, "", frozenset(), frozenset()))[3]:
            found |= nul
    return sorted(found)


def plan_digests() -> dict[int, str]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, assumptions, assumptions_revision FROM business_plans")).all()
    return {row[0]: hashlib.sha256(repr(row[1:]).encode()).hexdigest() for row in rows}


def plan_still_works(app: Flask, client: FlaskClient, world: World, plan_id: int) -> list[str]:
    """A plan whose numbers changed still computes (or says why) quickly, and its pages still render."""
    found = []
    plan = db.session.get(BusinessPlan, plan_id)
    assumptions = plan.assumptions

    def compute() -> str | None:
        try:
            plan_services.projection_of(assumptions)
        except Exception as error:
            return summarise(error)
        return None

    started = time.perf_counter()
    finished, error = in_child(compute)
    seconds = time.perf_counter() - started
    if not finished:
        found.append(f"plan {plan_id}: the stored numbers are stuck in the projection after {seconds:.0f} s")
    elif error:
        found.append(f"plan {plan_id}: the stored numbers break the projection: {error}")
    elif seconds > MAX_SECONDS:
        found.append(f"plan {plan_id}: the stored numbers take {seconds:.1f} s to compute")
    owner = "trainee" if plan.owner_id == world.people["trainee"] else None
    if owner is None:
        return found
    world.restore(client, owner)
    pages = ["plans.overview", "plans.printable", "plans.projection_xlsx", "plans.assumptions_json"]
    urls = []
    with app.test_request_context():
        urls += [url_for(endpoint, plan_id=plan_id) for endpoint in pages]
        urls += [
            url_for("plans.section", plan_id=plan_id, section_key=key)
            for key in ("startup", "funding", "sales", "costs", "cashflow")
        ]
    for url in urls:
        outcome = send(client, "GET", url)
        found += [f"plan {plan_id} after the request: GET {url} {p}" for p in problems(outcome)]
    return found


# --- hostile payloads --------------------------------------------------------------------------------------


def as_upload(value: str | bytes, name: str = "numbers.json") -> tuple[BytesIO, str]:
    return BytesIO(value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value), name


def hostile_json_documents(base: dict) -> list[bytes]:
    """Numbers files a person or a script could upload: the real export with one value made hostile."""
    raw = json.dumps(base)
    documents = [
        b"",
        b"not json",
        b"\x00\xff\xfe",
        b"[" * 5_000 + b"]" * 5_000,
        b'{"months": 1e1000000}',
        b'{"months": ' + b"9" * 5_000 + b"}",
        b'{"months": NaN}',
        b'{"opening_cash": Infinity}',
        b'{"opening_cash": "1e308"}',
        b"[]",
        b'"a string"',
        b"null",
    ]
    for needle, hostile in (
        ('"months": ', "1e1000000"),
        ('"months": ', "9" * 5_000),
        ('"months": ', "NaN"),
        ('"months": ', '"\\u0000"'),
        ('"opening_cash": ', "1e308"),
        ('"opening_cash": ', '"1e308"'),
        ('"own_funds": ', '"1e26"'),
        ('"own_funds": ', "-Infinity"),
        ('"start": ', '"9999-99"'),
        ('"title": ', '"<script>alert(1)</script>\\u0000"'),
    ):
        if needle in raw:
            head, _sep, tail = raw.partition(needle)
            rest = tail.split(",", 1)[1] if "," in tail else "}"
            documents.append((head + needle + hostile + ("," + rest if "," in tail else rest)).encode())
    return documents


def mutate(form: Form, choices: list[tuple[str, str, Any]]) -> MultiDict:
    """The form's defaults with each (field, action, value) applied: set, missing, duplicate or upload."""
    data = form.defaults()
    for name, action, value in choices:
        if action == "missing":
            data.poplist(name)
        elif action == "set":
            data.setlist(name, [value])
        elif action == "duplicate":
            data.setlist(name, [*data.getlist(name)[:1], value])
        elif action == "upload":
            data.setlist(name, [as_upload(value)])
        elif action == "button":
            data.add(name, value)
    return data


def describe(data: MultiDict) -> str:
    shown = []
    for key, value in data.items(multi=True):
        if isinstance(value, tuple):
            value = value[0].getvalue()
        text_value = repr(value)
        if len(text_value) > 60:
            text_value = text_value[:40] + f"...({len(text_value)} chars)"
        shown.append(f"{key}={text_value}")
    described = "&".join(shown)
    return described if len(described) <= 400 else described[:400] + f"...({len(shown)} fields)"


def with_query(url: str, args: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(args)
    return parts.path + "?" + urlencode(query)
