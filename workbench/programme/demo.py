"""Demo data of the programme's training and individual pathways, for the demo cohort "Re-Lab Venezia 2026".

- The cohort's partners are Re-Lab's: the ILO's International Training Centre, the Associazione di
  Microfinanza e Sviluppo, the Italian Council for Refugees, Micro Progress and the Municipality of Venice.
- Six modules of the entrepreneurship training, 38.5 hours in all. Their titles follow Re-Lab's "avvia la tua
  impresa" and the ILO's entrepreneurship courses; the seed documents name no modules or hours, so these are
  plausible figures, not copied ones. Attendance agrees with workbench/demo.py: the first TRAINING_COMPLETED
  trainees, whose training it marks completed, attended at least 80 % of the hours; the others less (about one
  in three completed, as in Re-Lab: 98 of 341), the last two were not recorded yet.
- Two individual pathways with a "dote" as the PUOI programme's (5,940 EUR each, for the labour-market
  operator's services, the trainee's allowance and a contribution to the company's tutoring). How PUOI split
  the 5,940 EUR between the three is not in the seed documents: 2,340 / 3,000 (500 a month for a six-month
  internship) / 600 is a plausible split. Goals and services use the wording of the individual action plans
  (Malaika, PUOI): skills assessment, legal and administrative help, intercultural mediation, housing.

Idempotent: modules are found by title, attendance by (module, trainee), goals and services by their text,
grants by category, spendings by their fixed token; what is there already is left as it is.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from workbench.auth.models import User
from workbench.extensions import db
from workbench.programme import pathway, training
from workbench.programme.models import Cohort
from workbench.programme.pathway_models import PathwayGoal, PathwayService
from workbench.programme.services import enrolment_of
from workbench.programme.training_models import TrainingModule
from workbench.timeutil import programme_today

PARTNERS = "\n".join(
    (
        "Centro Internazionale di Formazione dell'OIL",
        "Associazione di Microfinanza e Sviluppo",
        "Consiglio Italiano per i Rifugiati",
        "Micro Progress",
        "Comune di Venezia",
    )
)

#: (title, hours, day): the demo cohort starts on 2 March 2026.
MODULES = (
    ("Genera la tua idea d'impresa", Decimal("8"), date(2026, 3, 9)),
    ("Il mercato, i clienti e la concorrenza", Decimal("6"), date(2026, 3, 16)),
    (
        "Avviare un'impresa in Italia: forme giuridiche, permessi e adempimenti",
        Decimal("4.5"),
        date(2026, 3, 23),
    ),
    ("Costi, prezzi e piano finanziario", Decimal("8"), date(2026, 3, 30)),
    ("Il microcredito e il rapporto con la banca", Decimal("4"), date(2026, 4, 13)),
    ("Scrivere e presentare il business plan", Decimal("8"), date(2026, 4, 20)),
)


def attended(index: int, completed: int) -> tuple[Decimal | None, ...]:
    """The hours trainee number `index` attended of each module (None: not recorded). The first `completed`
    trainees reach 80 % of the 38.5 hours (30.8); the others stop short of it."""
    full = tuple(hours for _title, hours, _day in MODULES)
    zero = Decimal("0")
    if index < completed:
        if index % 4 == 1:  # missed the day on permits and formalities
            return (*full[:2], zero, *full[3:])
        if index % 4 == 3:  # left the microcredit afternoon early
            return (*full[:4], Decimal("2"), full[5])
        return full
    rest = index - completed
    if rest < 8:  # came until the finance module, then found work
        return (*full[:4], zero, zero)
    if rest < 16:  # the first two weeks
        return (full[0], Decimal("4.5"), zero, zero, zero, zero)
    if rest < 22:  # the first day only
        return (full[0], zero, zero, zero, zero, zero)
    if rest < 24:  # enrolled, never came
        return (zero,) * len(MODULES)
    return (None,) * len(MODULES)  # enrolled after the course: not recorded yet


def seed_training(cohort: Cohort, trainees: list[User], completed: int, manager: User) -> dict[str, int]:
    """Partners, modules and attendance of the demo cohort; how many of each were added."""
    added = {"training_modules": 0, "attendances": 0}
    if cohort.partners is None:
        details = training.CohortDetails(
            cohort.city, cohort.starts_on, cohort.ends_on, PARTNERS, cohort.completion_share
        )
        training.change_cohort(cohort, details, seen_revision=cohort.revision, actor=manager)
    modules = []
    for title, hours, day in MODULES:
        module = db.session.scalar(
            select(TrainingModule).where(TrainingModule.cohort_id == cohort.id, TrainingModule.title == title)
        )
        if module is None:
            module = training.add_module(cohort, training.ModuleDetails(title, hours, day), manager)
            added["training_modules"] += 1
        modules.append(module)
    enrolments = [enrolment_of(trainee) for trainee in trainees]
    for position, module in enumerate(modules):
        stored = training.register_of(module)
        cells = []
        for index, enrolment in enumerate(enrolments):
            if enrolment is None or enrolment.cohort_id != cohort.id or enrolment.id in stored:
                continue
            hours = attended(index, completed)[position]
            if hours is not None and hours <= module.hours:
                cells.append(training.Cell(enrolment.id, hours, 0))
        if cells:
            saved = training.save_register(module, cells, manager)
            added["attendances"] += saved.recorded
    return added


def _key(label: str) -> str:
    """A fixed token per demo spending, so loading the demo again records it once."""
    return hashlib.sha256(f"workbench-demo-spending:{label}".encode()).hexdigest()[:32]


#: The PUOI dote of 5,940 EUR, split in its three categories.
DOTE = {
    "operator_services": Decimal("2340.00"),
    "allowance": Decimal("3000.00"),
    "company_tutoring": Decimal("600.00"),
}

PATHWAYS = {
    "Fatou Ndiaye": {
        "goals": (
            ("Completare il business plan della sartoria con il mentore", date(2026, 3, 4), "achieved"),
            ("Aprire la partita IVA e iscriversi alla Camera di Commercio", date(2026, 3, 4), "open"),
            ("Tirocinio di sei mesi in una sartoria di Mestre", date(2026, 5, 20), "open"),
        ),
        "services": (
            (
                "Bilancio delle competenze e orientamento specialistico",
                "Operatore del mercato del lavoro",
                date(2026, 3, 4),
                "taken_up",
            ),
            (
                "Assistenza giuridico-amministrativa: permesso di soggiorno e partita IVA",
                "Consiglio Italiano per i Rifugiati",
                date(2026, 3, 11),
                "taken_up",
            ),
            ("Mediazione interculturale", "Comune di Venezia", date(2026, 4, 1), "offered"),
        ),
        "spendings": (
            ("operator_services", date(2026, 3, 25), Decimal("780.00"), "Bilancio delle competenze"),
            ("operator_services", date(2026, 5, 29), Decimal("520.00"), "Accompagnamento al tirocinio"),
            *(
                (
                    "allowance",
                    date(2026, month, 10),
                    Decimal("500.00"),
                    f"Indennità di tirocinio {month:02d}/2026",
                )
                for month in range(6, 12)
            ),
            *(
                (
                    "company_tutoring",
                    date(2026, month, 10),
                    Decimal("100.00"),
                    f"Tutoraggio aziendale {month:02d}/2026",
                )
                for month in range(6, 12)
            ),
        ),
    },
    "Lina Haddad": {
        "goals": (
            ("Raggiungere il livello B1 di italiano", date(2026, 3, 6), "open"),
            ("Scegliere tra lavoro dipendente e avvio di un'attività di catering", date(2026, 3, 6), "open"),
        ),
        "services": (
            ("Corso di italiano L2", "CPIA di Venezia", date(2026, 3, 6), "taken_up"),
            ("Supporto alla ricerca di un alloggio", "Comune di Venezia", date(2026, 3, 20), "offered"),
            (
                "Tirocinio di sei mesi in un'impresa di ristorazione",
                "Operatore del mercato del lavoro",
                date(2026, 9, 1),
                "declined",
            ),
        ),
        "spendings": (
            ("operator_services", date(2026, 4, 8), Decimal("390.00"), "Orientamento specialistico"),
        ),
    },
}


def seed_pathways(trainees: list[User], manager: User) -> dict[str, int]:
    """The demo's individual pathways; how many goals, services, grants and spendings were added."""
    added = {"pathway_goals": 0, "pathway_services": 0, "budget_grants": 0, "budget_spendings": 0}
    today = programme_today()
    by_name = {trainee.full_name: trainee for trainee in trainees}
    for name, plan in PATHWAYS.items():
        trainee = by_name.get(name)
        if trainee is None:
            continue
        for text, agreed_on, status in plan["goals"]:
            goal = db.session.scalar(
                select(PathwayGoal).where(PathwayGoal.trainee_id == trainee.id, PathwayGoal.text == text)
            )
            if goal is None:
                goal = pathway.add_goal(trainee, text, agreed_on, manager)
                db.session.flush()
                if status != "open":
                    pathway.set_goal_status(goal, status, seen="open", actor=manager)
                added["pathway_goals"] += 1
        for description, provider, offered_on, status in plan["services"]:
            service = db.session.scalar(
                select(PathwayService).where(
                    PathwayService.trainee_id == trainee.id, PathwayService.description == description
                )
            )
            if service is None:
                service = pathway.add_service(trainee, description, provider, offered_on, manager)
                db.session.flush()
                if status != "offered":
                    pathway.set_service_status(service, status, seen="offered", actor=manager)
                added["pathway_services"] += 1
        for category, amount in DOTE.items():
            if pathway.grant_of(trainee, category) is None:
                pathway.set_grant(trainee, category, amount, seen_revision=0, actor=manager)
                added["budget_grants"] += 1
        for category, spent_on, amount, note in plan["spendings"]:
            if spent_on > today:
                continue
            key = _key(f"{trainee.email}:{category}:{spent_on.isoformat()}")
            if pathway.spending_by_key(key) is None:
                pathway.record_spending(
                    trainee, category, spent_on=spent_on, amount=amount, note=note, key=key, actor=manager
                )
                added["budget_spendings"] += 1
    return added
