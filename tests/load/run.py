"""The load test: gunicorn (4 workers) + PostgreSQL on 127.0.0.1, 50 simulated people, 2 min: trainees,
mentors, loan officers and programme managers (tests/load/locustfile.py says what each does).

    python -m tests.load.run            (or `make load`)

Steps: create the database if missing and empty it (it is a scratch database: never point this at real
data), `flask db upgrade`, seed 50 trainees with a sent plan (two versions each) and 5 mentors, the lending
settings, 20 credit applications of which 10 are paid out, 3 loan officers and 2 managers; start gunicorn on a
free port, run locust headless, stop the server, then compare every write the server acknowledged (answers,
numbers, repayments) with what the database holds, and check that the ledger still balances. Prints
p50/p95/p99, errors and lost writes against the targets, and exits non-zero when a target is missed.

Environment: WORKBENCH_LOAD_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/workbench_load),
WORKBENCH_LOAD_USERS (50), WORKBENCH_LOAD_SECONDS (120), WORKBENCH_LOAD_WORKERS (4), WORKBENCH_LOAD_DEVICES
(2: each trainee account is used from a phone and a laptop at once).

The login rate limit is switched off for this server (WORKBENCH_RATELIMIT_ENABLED=false): fifty people log in
from one address here, which production's per-address limit would rightly refuse. CSRF stays on.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/workbench_load"
PASSWORD = "load-test-password"
TRAINEES = 50
MENTORS = 5
OFFICERS = 3
MANAGERS = 2
#: Trainees whose plan is endorsed and who applied for credit; the first FINANCED of them were paid out.
APPLICANTS = 20
FINANCED = 10
TARGETS = {"p95_ms": 300, "errors": 0, "lost_writes": 0}


def engine_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def prepare_database(url: str) -> None:
    """Create the database if it does not exist, then empty it so every run starts alike."""
    parsed = make_url(engine_url(url))
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    engine = create_engine(parsed)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def seed(url: str, instance: Path) -> dict:
    """flask db upgrade, then the accounts: trainees with a plan sent twice, mentors with ten mentees each,
    loan officers and managers with applications and loans to work on (seed_credit)."""
    os.environ["WORKBENCH_INSTANCE_PATH"] = str(instance)
    from flask_migrate import upgrade

    from workbench import create_app
    from workbench.auth.roles import Role
    from workbench.auth.services import create_user, hash_password
    from workbench.extensions import db
    from workbench.plans import services
    from workbench.plans.catalogue import business_type_of, business_types
    from workbench.programme.services import assign_mentor, complete_training, create_cohort, enrol

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "load-seed"})
    accounts: dict[str, list[dict]] = {"trainees": [], "mentors": []}
    with app.app_context():
        upgrade()
        password_hash = hash_password(PASSWORD)

        def person(email: str, role: Role, locale: str):
            user = create_user(
                email=email, full_name=email.split("@")[0].replace(".", " ").title(), password=None,
                roles=[role], actor=None, locale=locale,
            )  # fmt: skip
            user.password_hash = password_hash
            return user

        manager = person("load.manager@example.org", Role.MANAGER, "it")
        managers = [manager] + [
            person(f"load.manager{n}@example.org", Role.MANAGER, "en") for n in range(1, MANAGERS)
        ]
        officers = [person(f"load.officer{n}@example.org", Role.OFFICER, "it") for n in range(OFFICERS)]
        trainees = []
        cohort = create_cohort(
            name="Load cohort", city="Venezia", starts_on=None, ends_on=None, actor=manager
        )
        mentors = [person(f"load.mentor{n}@example.org", Role.MENTOR, "it") for n in range(MENTORS)]
        types = [t.key for t in business_types()]
        db.session.flush()
        for n in range(TRAINEES):
            trainee = person(
                f"load.trainee{n:02d}@example.org", Role.TRAINEE, ("it", "en", "fr", "ar")[n % 4]
            )
            db.session.flush()
            complete_training(enrol(trainee, cohort, actor=manager), manager)
            mentor = mentors[n % MENTORS]
            assign_mentor(trainee, mentor, manager)
            plan = services.create_plan(
                owner=trainee, business_type=types[n % len(types)], title="", from_example=True
            )
            db.session.flush()
            services.submit_plan(plan, trainee)
            services.request_changes(plan, mentor, "Spiega meglio i costi fissi.")
            first = plan.answers[0]
            edit = services.AnswerEdit(
                first.question_key, first.text + " (aggiornato)", first.language, first.revision
            )
            services.save_answers(plan, [edit], trainee)
            services.submit_plan(plan, trainee)
            trainees.append((trainee, mentor, plan))
            template = business_type_of(plan)
            accounts["trainees"].append(
                {
                    "email": trainee.email,
                    "password": PASSWORD,
                    "plan_id": plan.id,
                    "text_sections": [s.key for s in template.sections if s.questions],
                }
            )
        accounts.update(seed_credit(trainees[:APPLICANTS], officers))
        db.session.commit()
        accounts["mentors"] = [{"email": m.email, "password": PASSWORD} for m in mentors]
        accounts["officers"] = [{"email": o.email, "password": PASSWORD} for o in officers]
        accounts["managers"] = [{"email": m.email, "password": PASSWORD} for m in managers]
        db.session.remove()
        db.engine.dispose()
    return accounts


def seed_credit(trainees: list[tuple], officers: list) -> dict[str, list[int]]:
    """The lending settings of the demo (product, limits, usury rates) and the scorecard; each trainee's
    plan endorsed by their mentor and an application on it; the first FINANCED scored, approved by two
    officers and paid out today, so the officers have loans to post repayments on."""
    from datetime import timedelta
    from decimal import Decimal

    from sqlalchemy import select

    from workbench.extensions import db
    from workbench.lending import applications, decisions
    from workbench.lending.application_demo import RATINGS
    from workbench.lending.product_models import LoanProduct
    from workbench.lending.products import DEMO_PRODUCT_NAME
    from workbench.lending.scorecard import current_scorecard, score_application
    from workbench.lending.settings_demo import seed_lending_settings
    from workbench.plans import services
    from workbench.timeutil import programme_today

    seed_lending_settings()
    current_scorecard()
    product_id = db.session.scalar(select(LoanProduct.id).where(LoanProduct.name == DEMO_PRODUCT_NAME))
    proposer, checker = officers[0], officers[1 % len(officers)]
    made: dict[str, list[int]] = {"applications": [], "loans": []}
    for n, (trainee, mentor, plan) in enumerate(trainees):
        services.endorse_plan(plan, mentor, "Pronto per il microcredito.")
        version = plan.versions[-1]
        prefilled = applications.prefilled(version)
        request = applications.Request(
            Decimal("8000"), 36, 0, prefilled.get("purpose") or "Attrezzatura e scorte.", "individual"
        )
        application = applications.apply_for_credit(version, trainee, request)
        made["applications"].append(application.id)
        if n >= FINANCED:
            continue
        score_application(application, proposer, RATINGS, seen=0)
        terms = {
            "product_id": product_id,
            "amount": application.amount,
            "annual_rate": Decimal("0.035"),
            "term_months": application.term_months,
            "grace_months": 0,
            "method": "annuity",
            "first_due_on": programme_today() + timedelta(days=30),
        }
        proposal = applications.propose_decision(
            application, proposer, applications.APPROVE, terms=terms, note=""
        )
        decisions.confirm(proposal, checker)
        loan = applications.disburse(
            application, proposer, disbursed_on=programme_today(), disbursement_method="bank_transfer"
        )
        made["loans"].append(loan.id)
    return made


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, instance: Path, port: int, workers: int, log: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        WORKBENCH_DATABASE_URL=url,
        WORKBENCH_INSTANCE_PATH=str(instance),
        WORKBENCH_SECRET_KEY=secrets.token_hex(32),
        WORKBENCH_RATELIMIT_ENABLED="false",
    )
    env.pop("WORKBENCH_PRODUCTION", None)
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
        "--timeout", "30", "--access-logfile", "-", "workbench:create_app()",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit(f"gunicorn did not answer on port {port}; see {log}")


def run_locust(port: int, users: int, seconds: int, work: Path, env: dict) -> Path:
    prefix = work / "locust"
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "tests" / "load" / "locustfile.py"), "--headless",
        "--users", str(users), "--spawn-rate", "10", "--run-time", f"{seconds}s",
        "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
    ]  # fmt: skip
    subprocess.run(command, cwd=ROOT, env=env, check=False)  # locust exits 1 when a request failed
    return Path(f"{prefix}_stats.csv")


def lost_writes(url: str, acks_path: Path) -> dict:
    """Acknowledged writes the database does not hold.

    Per answer (and per plan's opening cash): two acknowledgements carrying the same new revision mean one
    of them was overwritten while both people were told "Saved"; and the stored value must be the one of the
    highest acknowledged revision. A repayment an officer was told was posted must be in loan_payments, once
    (its form's idempotency key), on that loan with that amount."""
    acks = [json.loads(line) for line in acks_path.read_text().splitlines() if line.strip()]
    payments = [ack for ack in acks if ack["kind"] == "payment"]
    acks = [ack for ack in acks if ack["kind"] != "payment"]
    by_target: dict[tuple, list[dict]] = defaultdict(list)
    for ack in acks:
        by_target[(ack["kind"], ack["plan"], ack["key"])].append(ack)
    engine = create_engine(engine_url(url))
    lost_same_revision = lost_final = 0
    examples = []
    with engine.connect() as conn:
        answers = {
            (row.plan_id, row.question_key): row.text
            for row in conn.execute(text("SELECT plan_id, question_key, text FROM plan_answers"))
        }
        cash = {
            row.id: (row.assumptions or {}).get("opening_cash")
            for row in conn.execute(text("SELECT id, assumptions FROM business_plans"))
        }
        posted = {
            row.idempotency_key: (row.loan_id, row.amount)
            for row in conn.execute(
                text("SELECT idempotency_key, loan_id, amount FROM loan_payments WHERE kind = 'payment'")
            )
        }
        debits, credits = conn.execute(
            text("SELECT coalesce(sum(debit), 0), coalesce(sum(credit), 0) FROM journal_lines")
        ).one()
    engine.dispose()
    for (kind, plan, key), group in by_target.items():
        revisions = defaultdict(int)
        for ack in group:
            revisions[ack["revision"]] += 1
        lost_same_revision += sum(count - 1 for count in revisions.values())
        last = max(group, key=lambda ack: ack["revision"])
        stored = answers.get((plan, key)) if kind == "answer" else cash.get(plan)
        if not same(kind, stored, last["text"]):
            lost_final += 1
            examples.append(
                f"{kind} plan {plan} {key}: stored {str(stored)[:40]!r}, acknowledged {last['text']!r}"
            )
    lost_payments = 0
    for key, ack in {ack["key"]: ack for ack in payments}.items():
        if posted.get(key) != (ack["loan"], Decimal(ack["amount"])):
            lost_payments += 1
            examples.append(f"repayment {key} of {ack['amount']} on loan {ack['loan']}: {posted.get(key)}")
    return {
        "acknowledged": len(acks) + len(payments),
        "payments_acknowledged": len({ack["key"] for ack in payments}),
        "lost_payments": lost_payments,
        "ledger": (debits, credits),
        "answers_acknowledged": sum(1 for a in acks if a["kind"] == "answer"),
        "numbers_acknowledged": sum(1 for a in acks if a["kind"] == "numbers"),
        "targets": len(by_target),
        "lost_same_revision": lost_same_revision,
        "lost_final_value": lost_final,
        "lost_writes": lost_same_revision + lost_final + lost_payments,
        "examples": examples[:5],
    }


def same(kind: str, stored: object, acknowledged: str) -> bool:
    if kind == "answer":
        return stored == acknowledged
    try:
        return Decimal(str(stored)) == Decimal(acknowledged)
    except InvalidOperation:
        return False


def figures(stats_csv: Path) -> dict:
    with stats_csv.open() as handle:
        rows = list(csv.DictReader(handle))
    table = []
    total = {}
    for row in rows:
        entry = {
            "name": f"{row['Type']} {row['Name']}".strip(),
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50": row["50%"],
            "p95": row["95%"],
            "p99": row["99%"],
            "rps": row["Requests/s"],
        }
        if row["Name"] == "Aggregated":
            total = entry
        else:
            table.append(entry)
    return {"rows": table, "total": total}


def main() -> int:
    url = os.environ.get("WORKBENCH_LOAD_DATABASE_URL", DEFAULT_URL)
    users = int(os.environ.get("WORKBENCH_LOAD_USERS", "50"))
    seconds = int(os.environ.get("WORKBENCH_LOAD_SECONDS", "120"))
    workers = int(os.environ.get("WORKBENCH_LOAD_WORKERS", "4"))
    work = Path(tempfile.mkdtemp(prefix="workbench-load-"))
    instance = work / "instance"
    print(f"load test: {users} users for {seconds} s against gunicorn ({workers} workers) + {url}")
    prepare_database(url)
    accounts = seed(url, instance)
    (work / "accounts.json").write_text(json.dumps(accounts))
    acks = work / "acks.jsonl"
    acks.touch()
    port = free_port()
    server = start_gunicorn(url, instance, port, workers, work / "gunicorn.log")
    env = dict(os.environ, WORKBENCH_LOAD_ACCOUNTS=str(work / "accounts.json"), WORKBENCH_LOAD_ACKS=str(acks))
    try:
        stats = run_locust(port, users, seconds, work, env)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    result = figures(stats)
    writes = lost_writes(url, acks)
    server_errors = sum(1 for line in (work / "gunicorn.log").read_text().splitlines() if '" 50' in line)
    print(f"\n{'request':58} {'count':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}")
    for row in [*result["rows"], result["total"]]:
        print(
            f"{row['name'][:58]:58} {row['requests']:>6} {row['failures']:>5} "
            f"{row['p50']:>6} {row['p95']:>6} {row['p99']:>6}"
        )
    total = result["total"]
    print(
        f"\nall requests: p50 {total['p50']} ms, p95 {total['p95']} ms, p99 {total['p99']} ms, "
        f"{total['rps']} requests/s, {total['failures']} errors ({server_errors} answered 5xx)"
    )
    print(
        f"writes: {writes['acknowledged']} acknowledged ({writes['answers_acknowledged']} answers, "
        f"{writes['numbers_acknowledged']} numbers on {writes['targets']} fields, "
        f"{writes['payments_acknowledged']} repayments); "
        f"lost: {writes['lost_writes']} "
        f"({writes['lost_same_revision']} told Saved with a revision another save also got, "
        f"{writes['lost_final_value']} fields whose stored value is not the last acknowledged, "
        f"{writes['lost_payments']} repayments told posted but not in the database as posted)"
    )
    debits, credits = writes["ledger"]
    print(f"ledger: debits {debits}, credits {credits}" + ("" if debits == credits else " OUT OF BALANCE"))
    for example in writes["examples"]:
        print("  lost:", example)
    missed = []
    if float(total["p95"]) >= TARGETS["p95_ms"]:
        missed.append(f"p95 {total['p95']} ms >= {TARGETS['p95_ms']} ms")
    if int(total["failures"]) > TARGETS["errors"]:
        missed.append(f"{total['failures']} errors")
    if writes["lost_writes"] > TARGETS["lost_writes"]:
        missed.append(f"{writes['lost_writes']} lost writes")
    if debits != credits:
        missed.append("the ledger does not balance")
    print(
        "targets: p95 < 300 ms, 0 errors, 0 lost writes, a balanced ledger ->", "; ".join(missed) or "all met"
    )
    print(f"(locust CSVs, acknowledgements and the gunicorn log are in {work})")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
