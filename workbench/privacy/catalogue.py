"""What the app holds about one person, table by table: the catalogue that the export and the erasure read.

Each table that can hold something about a person says how its rows relate to them:

- ``owner``: columns pointing at users.id that make the row *about* the person (a plan's owner, a loan's
  borrower, the trainee of a tutoring session);
- ``through``: (column, table) pairs: the row is about the person when the row it points at is (an answer
  through its plan, a payment through its loan, a comment through its thread);
- ``authors``: columns naming the person as the *writer* of the row's free text (a comment's author, the
  mentor who wrote session notes); their text is theirs too;
- ``actors``: other columns pointing at users.id (who recorded, posted, confirmed): the row is exported,
  nothing is redacted for them (their name in users is what an erasure anonymises);
- ``redact``: the free-text columns an erasure replaces with the redaction marker (JSON: the free-text keys
  inside it, see erasure.redact_json).

A test walks db.metadata: a new table with a foreign key to users.id, or to a table of this catalogue, fails
it until it is described here (or in NOT_PERSONAL, with the reason).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, or_, select

from workbench.extensions import db


@dataclass(frozen=True)
class Holding:
    owner: tuple[str, ...] = ()
    through: tuple[tuple[str, str], ...] = ()
    authors: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    redact: tuple[str, ...] = ()
    #: Rows removed outright by an erasure (login sessions, reset links: nothing of record).
    delete: bool = False


#: Table name -> how its rows relate to a person. The order is the export's order.
CATALOGUE: dict[str, Holding] = {
    "users": Holding(owner=("id",)),
    "role_grants": Holding(owner=("user_id",)),
    "login_sessions": Holding(owner=("user_id",), delete=True),
    "password_resets": Holding(owner=("user_id",), actors=("created_by_id",), delete=True),
    "account_notices": Holding(owner=("user_id",), delete=True),
    "mail_preferences": Holding(owner=("user_id",), delete=True),
    "outbox_messages": Holding(
        owner=("recipient_id",),
        redact=("to_address", "subject", "body_text", "body_html", "digest_text", "last_error"),
    ),
    "enrolments": Holding(owner=("user_id",)),
    "attendances": Holding(through=(("enrolment_id", "enrolments"),), actors=("recorded_by_id",)),
    "mentor_assignments": Holding(owner=("trainee_id", "mentor_id")),
    "pathway_goals": Holding(owner=("trainee_id",), actors=("created_by_id",), redact=("text",)),
    "pathway_services": Holding(
        owner=("trainee_id",), actors=("created_by_id",), redact=("description", "provider")
    ),
    "budget_grants": Holding(owner=("trainee_id",), actors=("updated_by_id",)),
    "budget_spendings": Holding(
        through=(("grant_id", "budget_grants"),), actors=("recorded_by_id",), redact=("note",)
    ),
    "business_plans": Holding(owner=("owner_id",), redact=("title", "assumptions")),
    "plan_answers": Holding(through=(("plan_id", "business_plans"),), redact=("text",)),
    "plan_versions": Holding(
        through=(("plan_id", "business_plans"),),
        actors=("submitted_by_id",),
        redact=("title", "answers", "assumptions", "results"),
    ),
    "review_decisions": Holding(
        through=(("version_id", "plan_versions"),), authors=("reviewer_id",), redact=("note",)
    ),
    "comment_threads": Holding(
        through=(("plan_id", "business_plans"),), actors=("started_by_id",), redact=("quote",)
    ),
    "thread_comments": Holding(
        through=(("thread_id", "comment_threads"),), authors=("author_id",), redact=("body",)
    ),
    "thread_events": Holding(through=(("thread_id", "comment_threads"),), actors=("actor_id",)),
    "thread_reads": Holding(owner=("user_id",), through=(("thread_id", "comment_threads"),)),
    "comment_mentions": Holding(owner=("user_id",), through=(("comment_id", "thread_comments"),)),
    "tutoring_sessions": Holding(
        owner=("trainee_id",), authors=("mentor_id",), redact=("notes", "next_steps")
    ),
    "tutoring_session_services": Holding(through=(("session_id", "tutoring_sessions"),)),
    "credit_applications": Holding(
        owner=("applicant_id",), through=(("plan_version_id", "plan_versions"),), redact=("purpose",)
    ),
    "application_scores": Holding(
        through=(("application_id", "credit_applications"),),
        actors=("officer_id",),
        redact=("criteria", "override_reason"),
    ),
    "proposals": Holding(
        actors=("proposed_by_id", "decided_by_id"), redact=("note", "decline_reason", "terms")
    ),  # through its subject (subject_type, subject_id): see SUBJECTS
    "loans": Holding(
        owner=("borrower_id",), through=(("plan_version_id", "plan_versions"),), actors=("disbursed_by_id",)
    ),
    "loan_installments": Holding(through=(("loan_id", "loans"),)),
    "loan_payments": Holding(
        through=(("loan_id", "loans"),), actors=("posted_by_id",), redact=("reference", "reason")
    ),
    "loan_reschedules": Holding(
        through=(("loan_id", "loans"),), actors=("created_by_id",), redact=("reason",)
    ),
    "journal_entries": Holding(
        through=(("loan_id", "loans"),), actors=("actor_id",), redact=("description",)
    ),
    "journal_lines": Holding(through=(("entry_id", "journal_entries"),)),
    "milestones": Holding(
        owner=("trainee_id",),
        through=(("loan_id", "loans"),),
        actors=("done_by_id", "waived_by_id", "signed_off_by_id"),
        redact=("evidence", "waiver_reason"),
    ),
    "monthly_actuals": Holding(through=(("loan_id", "loans"),), actors=("entered_by_id",)),
    "bank_imports": Holding(actors=("uploaded_by_id", "posted_by_id"), redact=("rows",)),  # rows' loan_id
    "audit_events": Holding(actors=("actor_id",), redact=("before", "after")),  # object_type + object_id
    "erasure_requests": Holding(owner=("person_id",), actors=("requested_by_id", "confirmed_by_id")),
    # Staff-side tables of reference: a person appears in them only as who entered a row.
    "microcredit_limits": Holding(actors=("created_by_id",)),
    "usury_rates": Holding(actors=("created_by_id",)),
    "scorecard_versions": Holding(actors=("created_by_id",)),
}

#: Proposals are about a subject named by (subject_type, subject_id): its table.
SUBJECTS = {"credit_application": "credit_applications", "loan": "loans"}

#: Tables that hold nothing about any one person, and why.
NOT_PERSONAL = {
    "cohorts": "a group of people, described by the programme",
    "training_modules": "a cohort's modules",
    "loan_products": "the lender's products",
    "milestone_templates": "the programme's milestone templates",
    "erasure_in_progress": "a marker row that lives only inside an erasure's transaction",
}

#: What Italian anti-money-laundering law keeps of a person who had a loan (D.Lgs. 231/2007 art. 31: the data
#: of the relationship and its operations, ten years after it ends): these tables stay as they are, and the
#: person's name stays in users.full_name.
KEPT_FOR_LOANS = (
    "loans",
    "loan_installments",
    "loan_payments",
    "loan_reschedules",
    "journal_entries",
    "journal_lines",
    "proposals",
)


def table(name: str) -> Table:
    return db.metadata.tables[name]


def related_ids(person_id: int, *, with_actors: bool = False) -> dict[str, set]:
    """For every catalogued table, the primary keys of its rows about the person (owner or through a parent
    about them); with_actors adds the rows the person wrote or entered (the export's wider view)."""
    found: dict[str, set] = {}
    pending = list(CATALOGUE)
    # Parents before children: repeat until nothing new (the catalogue is shallow: a few rounds).
    for _round in range(6):
        changed = False
        for name in pending:
            holding = CATALOGUE[name]
            ids = _rows_of(name, holding, person_id, found, with_actors)
            if ids != found.get(name):
                found[name] = ids
                changed = True
        if not changed:
            break
    return found


def _rows_of(name: str, holding: Holding, person_id: int, found: dict[str, set], with_actors: bool) -> set:
    t = table(name)
    key = primary_key(t)
    conditions = [t.c[column] == person_id for column in holding.owner]
    if with_actors:
        conditions += [t.c[column] == person_id for column in holding.authors + holding.actors]
    else:
        conditions += [t.c[column] == person_id for column in holding.authors]
    for column, parent in holding.through:
        parent_ids = found.get(parent)
        if parent_ids:
            conditions.append(t.c[column].in_(sorted(parent_ids)))
    if name == "proposals":
        for kind, subject in SUBJECTS.items():
            subject_ids = found.get(subject)
            if subject_ids:
                conditions.append((t.c.subject_type == kind) & t.c.subject_id.in_(sorted(subject_ids)))
    if not conditions:
        return set()
    return set(db.session.scalars(select(key).where(or_(*conditions))))


def primary_key(t: Table):
    return t.c.id if "id" in t.c else next(iter(t.primary_key.columns))


def audit_types() -> dict[str, str]:
    """Audit object_type -> table name, from the models' __audit_type__."""
    kinds = {}
    for mapper in db.Model.registry.mappers:
        kind = getattr(mapper.class_, "__audit_type__", None)
        if kind and mapper.local_table is not None:
            kinds[kind] = mapper.local_table.name
    return kinds


def audit_events_about(ids: dict[str, set], skip: dict[str, set] | None = None) -> list[int]:
    """Ids of audit events whose object is one of the rows in `ids`, less the rows in `skip`."""
    events = table("audit_events")
    skip = skip or {}
    conditions = []
    for kind, name in audit_types().items():
        rows = ids.get(name, set()) - skip.get(name, set())
        if rows:
            conditions.append((events.c.object_type == kind) & events.c.object_id.in_(sorted(rows)))
    if not conditions:
        return []
    return list(db.session.scalars(select(events.c.id).where(or_(*conditions))))


def uncatalogued(metadata) -> list[str]:
    """What the catalogue does not describe in `metadata`: tables holding a users.id foreign key, or a foreign
    key to a catalogued table, that are not in it; and such columns it does not classify."""
    problems = []
    for t in metadata.sorted_tables:
        holding = CATALOGUE.get(t.name)
        if holding is None:
            if t.name in NOT_PERSONAL:
                continue
            pointing = {fk.column.table.name for fk in t.foreign_keys}
            if "users" in pointing or pointing & set(CATALOGUE):
                problems.append(f"{t.name}: not in the catalogue")
            continue
        described = set(holding.owner + holding.authors + holding.actors) | {c for c, _ in holding.through}
        for fk in t.foreign_keys:
            if fk.column.table.name == "users" and fk.parent.name not in described:
                problems.append(f"{t.name}.{fk.parent.name}: points at users.id but is not classified")
        for column in holding.redact:
            if column not in t.c:
                problems.append(f"{t.name}.{column}: no such column to redact")
    for name in CATALOGUE:
        if name not in metadata.tables:
            problems.append(f"{name}: catalogued but not a table")
    return problems
