"""Demo data: a living programme for a newcomer to open. Names and wording follow the programmes in Italy.

Loading is idempotent: people are found by e-mail and cohorts by name, so running it again adds only what
is missing. Later issues extend it with plans, comments, loans and milestones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.auth.services import create_user, find_user_by_email, hash_password
from workbench.extensions import db
from workbench.lending.application_demo import seed_applications
from workbench.lending.portfolio_demo import seed_lending
from workbench.lending.settings_demo import seed_lending_settings
from workbench.mentoring.demo import seed_mentoring
from workbench.outcomes.demo import seed_relab
from workbench.plans.demo import DEMO_PLANS, seed_plans
from workbench.programme.demo import seed_pathways, seed_training
from workbench.programme.models import Cohort
from workbench.programme.services import (
    assign_mentor,
    complete_training,
    create_cohort,
    current_assignment,
    enrol,
    enrolment_of,
)

DEMO_PASSWORD = "workbench-demo"  # noqa: S105 - printed in README for the demo logins
DEMO_COHORT = "Re-Lab Venezia 2026"


@dataclass(frozen=True)
class DemoPerson:
    full_name: str
    email: str
    roles: tuple[Role, ...]
    locale: str
    country: str | None = None


STAFF = (
    DemoPerson("Giulia Rossi", "manager@example.org", (Role.MANAGER,), "it", "IT"),
    DemoPerson("Marco Bianchi", "mentor1@example.org", (Role.MENTOR,), "it", "IT"),
    DemoPerson("Amina Diallo", "mentor2@example.org", (Role.MENTOR,), "fr", "SN"),
    DemoPerson("Luca Ferraro", "officer1@example.org", (Role.OFFICER,), "it", "IT"),
    DemoPerson("Sara Conti", "officer2@example.org", (Role.OFFICER, Role.MANAGER), "en", "IT"),
)

#: (full name, country, preferred language): the countries such programmes in Italy serve most.
TRAINEES = (
    ("Chinedu Okafor", "NG", "en"),
    ("Blessing Adeyemi", "NG", "en"),
    ("Fatou Ndiaye", "SN", "fr"),
    ("Moussa Sow", "SN", "fr"),
    ("Ousmane Camara", "GN", "fr"),
    ("Aminata Touré", "ML", "fr"),
    ("Ibrahim Keita", "ML", "fr"),
    ("Lamin Jallow", "GM", "en"),
    ("Kwame Mensah", "GH", "en"),
    ("Akosua Boateng", "GH", "en"),
    ("Awa Koné", "CI", "fr"),
    ("Yao Kouassi", "CI", "fr"),
    ("Rahim Uddin", "BD", "en"),
    ("Nusrat Jahan", "BD", "en"),
    ("Imran Khan", "PK", "en"),
    ("Ayesha Malik", "PK", "en"),
    ("Ahmad Rahimi", "AF", "en"),
    ("Zahra Hosseini", "AF", "fr"),
    ("Omar Al-Hassan", "SY", "ar"),
    ("Lina Haddad", "SY", "ar"),
    ("Youssef Benali", "MA", "ar"),
    ("Khadija El Amrani", "MA", "fr"),
    ("Mehdi Trabelsi", "TN", "ar"),
    ("Salma Ben Youssef", "TN", "fr"),
    ("Ahmed Mostafa", "EG", "ar"),
    ("Mariam Farouk", "EG", "ar"),
    ("Abdirahman Warsame", "SO", "ar"),
    ("Hodan Ali", "SO", "en"),
    ("Tesfay Gebremedhin", "ER", "en"),
    ("Selam Tesfaye", "ET", "en"),
    ("Olena Kovalenko", "UA", "en"),
    ("Andriy Shevchenko", "UA", "it"),
    ("Elira Hoxha", "AL", "it"),
    ("Arben Krasniqi", "AL", "it"),
    ("Maria Quispe", "PE", "it"),
    ("José Mamani", "PE", "it"),
    ("Grace Mwangi", "KE", "en"),
    ("Jean-Baptiste Mukendi", "CD", "fr"),
    ("Mariana Popescu", "RO", "it"),
    ("Li Wei", "CN", "en"),
)

#: The first trainees have finished the training, as in Re-Lab where about one in three completed it.
TRAINING_COMPLETED = 14
#: Each mentor accompanies seven trainees, as the programme pairs the trainees closest to credit.
MENTEES_PER_MENTOR = 7


def demo_email(full_name: str) -> str:
    ascii_name = full_name.lower().replace(" ", ".").replace("'", "")
    ascii_name = ascii_name.translate(str.maketrans("éèàòùç", "eeaouc"))
    return f"{ascii_name}@example.org"


def seed_demo(*, relab: bool = True) -> dict[str, int]:
    """Load the demo programme; returns how many records of each kind were added. `relab`: with the cohort
    Re-Lab Venezia 2012-2014 and its funnel (341 people: the slowest part; tests of the rest leave it out)."""
    added = {"people": 0, "cohorts": 0, "enrolments": 0, "mentor_assignments": 0, "plans": 0}
    password_hash = hash_password(DEMO_PASSWORD)  # hashed once: scrypt is slow on purpose

    def person(full_name: str, email: str, roles, locale: str, country: str | None) -> User:
        user = find_user_by_email(email)
        if user is None:
            user = create_user(
                email=email,
                full_name=full_name,
                password=None,
                roles=roles,
                actor=None,
                locale=locale,
                country=country,
            )
            user.password_hash = password_hash
            added["people"] += 1
        return user

    staff = {p.email: person(p.full_name, p.email, p.roles, p.locale, p.country) for p in STAFF}

    cohort = db.session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT))
    if cohort is None:
        cohort = create_cohort(
            name=DEMO_COHORT,
            city="Venezia",
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 12, 18),
            actor=None,
        )
        cohort.invite_code = "RELAB2026"  # easy to read aloud in the demo
        added["cohorts"] += 1

    manager = staff["manager@example.org"]
    mentors = [staff["mentor1@example.org"], staff["mentor2@example.org"]]
    db.session.flush()
    trainees = []
    for index, (full_name, country, locale) in enumerate(TRAINEES):
        trainee = person(full_name, demo_email(full_name), (Role.TRAINEE,), locale, country)
        trainees.append(trainee)
        db.session.flush()
        enrolment = enrolment_of(trainee)
        if enrolment is None:
            enrolment = enrol(trainee, cohort, actor=manager)
            added["enrolments"] += 1
        if index < TRAINING_COMPLETED:
            complete_training(enrolment, manager)
            if current_assignment(trainee) is None:
                assign_mentor(trainee, mentors[index // MENTEES_PER_MENTOR], manager)
                added["mentor_assignments"] += 1
    db.session.flush()
    # After the completions above: the register agrees with them and completes nobody else.
    added.update(seed_training(cohort, trainees, TRAINING_COMPLETED, manager))
    added.update(seed_pathways(trainees, manager))
    db.session.flush()
    added["plans"] = seed_plans(trainees, mentors[0])
    db.session.flush()
    added.update(seed_lending_settings())
    # Applications before the mentoring: the financed trainee's loan is paid out through their application.
    added.update(
        seed_applications(
            trainees, len(DEMO_PLANS), staff["officer1@example.org"], staff["officer2@example.org"]
        )
    )
    db.session.flush()
    added.update(seed_mentoring(trainees, mentors[0], staff["officer1@example.org"]))
    added.update(seed_lending(trainees, staff["officer1@example.org"], staff["officer2@example.org"]))
    if relab:  # the programme this product was modelled on, with its published funnel
        added.update(seed_relab(manager, password_hash))
    return added
