"""The Re-Lab cohort of seed-demo: the programme this product was modelled on, with its published funnel.

Re-Lab ("avvia la tua impresa"), Venice 2012-2014: a partnership led by the ILO's International Training
Centre with the Microfinance and Development Association, the Italian Council for Refugees (CIR), Micro
Progress and the Municipality of Venice. 341 holders of international protection were involved, 98 completed
the entrepreneurship training, producing 53 business plans; 14 ideas were financed and accompanied to start-up
by individual mentoring. The cohort is rebuilt through the same services a programme uses today, on the days
it happened (timeutil.back_in_time), so its funnel (workbench/outcomes/funnel.py) shows exactly 341, 98, 53
and 14.

How the 53 plans went on, where the sources give no figures (a plausible split, stated here): 46 were sent to
a tutor; 15 of them came back with changes asked and were not sent again; 31 were endorsed as ready for
credit; 22 of those applied for microcredit; 4 applications were rejected and 2 sent back without a new one;
16 were approved, 2 of them not taken up; 14 were paid out, all in 2014 (the microcredit limits of the
Consolidated Banking Act's art. 111 apply from 2014), and were repaid in full by monthly transfers, two
borrowers catching up after a late quarter. Some came back after a pause: two plans were sent again months
after the tutor asked for changes, and one borrower applied a second time after their first application was
sent back. Each counts once at each step.

The people are fictional: names, countries of origin (those of the refugees in Venice in those years), gender
and protection status vary as they did. Their accounts log in with the demo password (hashed once).

Idempotent: people are found by e-mail, the cohort by name, and a person's journey is told only when they have
no plan yet, so a second run adds nothing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.auth.services import create_user, set_active
from workbench.extensions import db
from workbench.finance.money import add_months
from workbench.lending import applications, decisions
from workbench.lending.application_demo import RATINGS
from workbench.lending.product_models import DEFAULT_USURY_CLASS, LoanProduct, UsuryRate
from workbench.lending.products import DEMO_PRODUCT_NAME
from workbench.lending.repayments import post_repayment
from workbench.lending.scorecard import score_application
from workbench.lending.services import schedule_of
from workbench.lending.usury import add_tegm
from workbench.mentoring.milestones import mark_done, milestones_of, waive
from workbench.plans import services as plans
from workbench.plans.catalogue import get_business_type
from workbench.plans.models import BusinessPlan
from workbench.programme.models import Cohort, Enrolment
from workbench.programme.services import (
    assign_mentor,
    close_registration,
    complete_training,
    create_cohort,
    current_assignment,
    end_assignment,
    enrol,
)
from workbench.timeutil import back_in_time, programme_today

RELAB_COHORT = "Re-Lab Venezia 2012-2014"
RELAB_PARTNERS = (
    "Centro Internazionale di Formazione dell'OIL (capofila)\nAssociazione Microfinanza e Sviluppo\n"
    "Consiglio Italiano per i Rifugiati (CIR)\nMicro Progress\nComune di Venezia"
)
STARTS_ON, ENDS_ON = date(2012, 3, 1), date(2014, 12, 19)
#: The published figures: involved, completed the training, business plans, financed.
INVOLVED, TRAINED, PLANS, FINANCED = 341, 98, 53, 14

#: How far each person went, in the order people are dealt to (see `_stages`): (stage, how many).
STAGES = (
    ("financed", FINANCED),
    ("approved", 2),  # approved, not taken up
    ("rejected", 4),
    ("sent_back", 2),  # the application sent back, no other one
    ("endorsed", 9),  # endorsed, never applied
    ("changes_requested", 15),  # sent back by the tutor, never sent again
    ("drafted", 7),  # a plan started, never sent
    ("trained", TRAINED - PLANS),
    ("involved", INVOLVED - TRAINED),
)
#: Financed people who paused and came back: a plan sent again after changes (positions 0 and 1 among the
#: financed), an application sent back and a second one (position 2).
RESUBMITTED, REAPPLIED = (0, 1), 2
#: Financed borrowers who paid a quarter late, then caught up (positions among the financed).
LATE_QUARTER = (3, 8)

#: The partners' staff of the time: (full name, e-mail, role). Their accounts are closed after the project.
STAFF = (
    ("Paolo Zanon", "paolo.zanon@example.org", Role.MENTOR),
    ("Chiara Vianello", "chiara.vianello@example.org", Role.MENTOR),
    ("Stefano Tosi", "stefano.tosi@example.org", Role.OFFICER),
    ("Elena Marchesini", "elena.marchesini@example.org", Role.OFFICER),
)
EMAIL_DOMAIN = "relab.example.org"

#: TEGM of "Altri finanziamenti alle famiglie e alle imprese" for 2014's quarters, as fractions: PLAUSIBLE
#: figures in the range of those years' decrees, not copied from them (as lending.settings_demo's).
TEGM_2014 = (
    (date(2014, 1, 1), Decimal("0.1372")),
    (date(2014, 4, 1), Decimal("0.1351")),
    (date(2014, 7, 1), Decimal("0.1329")),
    (date(2014, 10, 1), Decimal("0.1304")),
)

#: (country, locale, how many, share of women in tenths, men's first names, women's first names, surnames).
COUNTRIES = (
    (
        "AF",
        "en",
        48,
        1,
        "Ahmad Mohammad Abdul Hamid Farid Jawad Najib Sayed Mustafa Ali Reza Nasir Qasim",
        "Zahra Fatima Mariam Nadia Shabnam Parwana",
        "Rahimi Ahmadi Hosseini Karimi Noori Sultani Safi Haidari Amiri Wardak Popal Nazari",
    ),
    (
        "NG",
        "en",
        42,
        4,
        "Chinedu Emeka Oluwaseun Tunde Ifeanyi Ikechukwu Uche Babatunde Chukwuma Obinna Segun Kelechi Efosa",
        "Blessing Chioma Ngozi Adaeze Funmilayo Precious Joy Esther Osas Favour",
        "Okafor Adeyemi Eze Obi Okonkwo Nwosu Balogun Osagie Igbinedion Ogunleye Uzor Nnadi",
    ),
    (
        "PK",
        "en",
        40,
        0,
        "Imran Bilal Usman Asif Kamran Tariq Waqas Zubair Faisal Shahzad Naveed Adnan",
        "Ayesha Sana Hina Rabia Saima",
        "Khan Malik Butt Qureshi Shah Iqbal Hussain Akhtar Raza Mirza Abbasi",
    ),
    (
        "BD",
        "en",
        30,
        1,
        "Rahim Karim Jahid Shahid Mizanur Habib Sohel Rubel Anwar Faruk Mamun Kamrul",
        "Nusrat Sharmin Rokeya Farzana Shirin Taslima",
        "Uddin Hossain Rahman Islam Ahmed Miah Chowdhury Sarker Alam Sheikh",
    ),
    (
        "ML",
        "fr",
        26,
        2,
        "Ibrahim Seydou Boubacar Amadou Drissa Souleymane Adama Moussa Sekou Yacouba",
        "Aminata Oumou Kadiatou Fanta Rokia Salimata",
        "Keita Traoré Coulibaly Diarra Konaté Sissoko Touré Dembélé Sangaré Maïga",
    ),
    (
        "GM",
        "en",
        24,
        1,
        "Lamin Ebrima Modou Momodou Alieu Omar Bakary Sulayman Yusupha Kebba",
        "Isatou Fatoumata Haddy Mariama",
        "Jallow Ceesay Touray Sanneh Bah Jammeh Darboe Manneh Njie Sowe",
    ),
    (
        "SN",
        "fr",
        22,
        3,
        "Moussa Mamadou Cheikh Ousmane Ibrahima Abdoulaye Modou Pape Serigne Babacar",
        "Fatou Aminata Awa Khady Mariama Ndeye Coumba",
        "Ndiaye Diop Fall Sow Gueye Sarr Faye Mbaye Diallo Sy Cissé",
    ),
    (
        "CI",
        "fr",
        20,
        3,
        "Yao Koffi Kouassi Konan Serge Didier Jean-Marc Arnaud Kouamé Brice",
        "Adjoa Mariam Akissi Aya Christelle Awa",
        "Kouadio Koné Bamba Ouattara N'Guessan Kouakou Brou Aka Zadi Yapi",
    ),
    (
        "ER",
        "en",
        18,
        4,
        "Tesfay Yonas Dawit Merhawi Habtom Filmon Kibrom Senai Mussie Robel",
        "Selam Helen Rahel Luwam Saba Senait",
        "Gebremedhin Tesfamariam Haile Berhane Ghebreyesus Kidane Tekle Woldu Yohannes Mehari",
    ),
    (
        "GH",
        "en",
        16,
        3,
        "Kwame Kofi Kwabena Yaw Kwaku Emmanuel Samuel Isaac Daniel Ebenezer",
        "Akosua Abena Ama Efua Adwoa Grace",
        "Mensah Boateng Owusu Asante Osei Agyeman Appiah Darko Amoah Addo",
    ),
    (
        "SO",
        "en",
        16,
        4,
        "Abdirahman Abdullahi Mohamed Ahmed Hassan Abdiaziz Mahad Liban Yusuf Said",
        "Hodan Sahra Fadumo Halima Ayan Nimco",
        "Warsame Farah Hussein Osman Mohamud Abdi Jama Nur Egal Duale",
    ),
    (
        "SD",
        "ar",
        12,
        1,
        "Abdelrahman Osman Elfatih Musa Adam Ishag Hamid Bakri Yassir Tajeldin",
        "Amna Hawa Nafisa Samah",
        "Abakar Elnour Mustafa Babiker Yagoub Haroun Idris Eltayeb Adam Suleiman",
    ),
    (
        "GN",
        "fr",
        12,
        2,
        "Ousmane Mamadou Alpha Thierno Sekou Ibrahima Boubacar Lansana",
        "Mariama Kadiatou Hadja Aissatou",
        "Camara Bah Barry Sylla Conté Soumah Baldé Kourouma",
    ),
    (
        "BF",
        "fr",
        8,
        2,
        "Issouf Boureima Salif Idrissa Hamado Lassané",
        "Alimata Rasmata Safiatou",
        "Ouédraogo Sawadogo Kaboré Compaoré Zongo Nikiema",
    ),
    (
        "MA",
        "ar",
        7,
        3,
        "Youssef Mohamed Hamza Rachid Said Khalid Mehdi",
        "Khadija Nadia Salma Samira Hanane",
        "Benali Bennani Alaoui Tazi Berrada Chraibi Lahlou",
    ),
)
#: Protection status, dealt in turn: refugee status, subsidiary and humanitarian protection in about equal
#: shares, as Italy granted them in 2012-2014; now and then someone who prefers not to say.
PROTECTION_CYCLE = (
    "refugee",
    "subsidiary_protection",
    "special_protection",
    "subsidiary_protection",
    "refugee",
    "special_protection",
    "refugee",
    "special_protection",
    "subsidiary_protection",
    "refugee",
    "special_protection",
    "subsidiary_protection",
    "refugee",
    "special_protection",
    "subsidiary_protection",
    "refugee",
    "subsidiary_protection",
    "special_protection",
    "refugee",
    "not_said",
)
#: The three intakes: the first enrolment day and over how many days people joined.
INTAKES = ((date(2012, 3, 5), 85), (date(2012, 10, 1), 115), (date(2013, 9, 2), 105))

#: Titles of the plans by business type (the types' example plans give the answers and the numbers).
TITLES = {
    "food": (
        "Cucina senegalese da asporto",
        "Catering afghano per eventi",
        "Rosticceria a Marghera",
        "Street food nigeriano",
        "Pasticceria del Bengala",
        "Gastronomia eritrea a Mestre",
    ),
    "shop": (
        "Alimentari africani a Mestre",
        "Bazar di spezie e tessuti",
        "Negozio di telefonia",
        "Frutta e verdura a Marghera",
        "Cosmetici e prodotti per capelli afro",
    ),
    "tailoring": (
        "Sartoria africana",
        "Riparazioni sartoriali in Campo Santa Margherita",
        "Borse e accessori in wax",
        "Laboratorio di cucito su misura",
    ),
    "beauty": ("Parrucchiere afro a Mestre", "Barbiere a Marghera", "Treccine e acconciature"),
    "cleaning": ("Pulizie per condomini", "Pulizie per B&B del centro storico", "Impresa di pulizie"),
    "delivery": ("Consegne in bicicletta al Lido", "Piccoli traslochi e consegne", "Corriere a Mestre"),
}
BUSINESS_TYPES = tuple(TITLES)

#: The loans of the 14 financed people: (amount, yearly rate, months, months of interest only, method).
LOANS = (
    ("12000", "0.040", 36, 3, "annuity"),
    ("8000", "0.035", 36, 0, "annuity"),
    ("15000", "0.045", 48, 6, "annuity"),
    ("10000", "0.040", 36, 0, "annuity"),
    ("6000", "0.035", 24, 0, "equal_principal"),
    ("20000", "0.045", 60, 6, "annuity"),
    ("9000", "0.040", 36, 3, "annuity"),
    ("7500", "0.035", 24, 0, "annuity"),
    ("25000", "0.050", 60, 6, "annuity"),
    ("11000", "0.040", 36, 0, "annuity"),
    ("5000", "0.035", 24, 0, "annuity"),
    ("14000", "0.045", 48, 3, "equal_principal"),
    ("18000", "0.045", 48, 0, "annuity"),
    ("10000", "0.040", 36, 0, "annuity"),
)
PURPOSES = {
    "food": "Attrezzatura della cucina, primo affitto e scorte.",
    "shop": "Arredo del negozio e primo magazzino.",
    "tailoring": "Macchine da cucire, tessuti e affitto del laboratorio.",
    "beauty": "Poltrone, attrezzatura e primo affitto del locale.",
    "cleaning": "Attrezzatura professionale e un furgone usato.",
    "delivery": "Cargo bike e attrezzatura per le consegne.",
}


@dataclass(frozen=True)
class Person:
    index: int
    full_name: str
    email: str
    country: str
    locale: str
    gender: str | None
    protection_status: str | None
    enrolled_on: date


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    kept = "".join(c for c in folded if not unicodedata.combining(c))
    return "".join(c if c.isalnum() else "." for c in kept).strip(".").replace("..", ".")


def present_day_names() -> set[str]:
    """The names of the people of the present-day demo (workbench.demo, which seeds this cohort too, so it
    is read when asked for)."""
    from workbench import demo

    return {person.full_name for person in demo.STAFF} | {name for name, *_rest in demo.TRAINEES}


def people() -> list[Person]:
    """The 341 people involved, country by country, each with a different name and e-mail, none of them the
    name of someone in the present-day demo (a search for "Chinedu Okafor" finds one person)."""
    found: list[Person] = []
    names: set[str] = present_day_names()
    for country, locale, count, women, men_names, women_names, surnames in COUNTRIES:
        men, wives, families = men_names.split(), women_names.split(), surnames.split()
        for n in range(count):
            index = len(found)
            woman = (n * 7 + 3) % 10 < women
            firsts = wives if woman else men
            attempt = 0
            while True:
                first = firsts[(n + attempt) % len(firsts)]
                family = families[(n * 3 + n // len(firsts) + attempt) % len(families)]
                full_name = f"{first} {family}"
                if full_name not in names:
                    break
                attempt += 1
            names.add(full_name)
            gender: str | None = "female" if woman else "male"
            if index % 53 == 17:
                gender = "not_said"
            elif index % 89 == 40:
                gender = None  # never asked
            start, spread = INTAKES[index % 3]
            found.append(
                Person(
                    index=index,
                    full_name=full_name,
                    email=f"{_ascii(full_name)}@{EMAIL_DOMAIN}",
                    country=country,
                    locale=locale,
                    gender=gender,
                    protection_status=PROTECTION_CYCLE[index % len(PROTECTION_CYCLE)],
                    enrolled_on=start + timedelta(days=(index * 37) % spread),
                )
            )
    return found


def stages(count: int = INVOLVED) -> dict[int, tuple[str, int]]:
    """Each person's stage and their position among those at it, dealt in a fixed mixed order (a step of 97
    through 341 people), so that every step has people of every intake and country."""
    order = sorted(range(count), key=lambda index: (index * 97) % count)
    dealt: dict[int, tuple[str, int]] = {}
    position = 0
    for stage, how_many in STAGES:
        for rank in range(how_many):
            dealt[order[position]] = (stage, rank)
            position += 1
    return dealt


class _Clock:
    """back_in_time to a calendar day."""

    def __init__(self, today: date) -> None:
        self.today = today

    def on(self, day: date):
        return back_in_time(max(0, (self.today - day).days))


def _staff(clock: _Clock, password_hash: str, manager: User) -> dict[str, User]:
    """The partners' tutors and loan officers of the time, by e-mail."""
    found = {}
    for full_name, email, role in STAFF:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            with clock.on(STARTS_ON - timedelta(days=30)):
                user = create_user(
                    email=email, full_name=full_name, password=None, roles=[role], actor=manager, locale="it"
                )
            user.password_hash = password_hash
        found[email] = user
    db.session.flush()
    return found


def _tegm(added: dict[str, int]) -> None:
    present = set(
        db.session.scalars(select(UsuryRate.quarter_start).where(UsuryRate.loan_class == DEFAULT_USURY_CLASS))
    )
    for quarter, tegm in TEGM_2014:
        if quarter not in present:
            add_tegm(loan_class=DEFAULT_USURY_CLASS, quarter=quarter, tegm=tegm, actor=None)
            added["relab_usury_rates"] += 1


def seed_relab(manager: User, password_hash: str) -> dict[str, int]:
    """Load the Re-Lab cohort (see the module); how many records of each kind were added."""
    kinds = ("people", "enrolments", "plans", "loans", "repayments", "usury_rates")
    added = {f"relab_{kind}": 0 for kind in kinds}
    clock = _Clock(programme_today())
    staff = _staff(clock, password_hash, manager)
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == RELAB_COHORT))
    if cohort is None:
        with clock.on(STARTS_ON - timedelta(days=20)):
            cohort = create_cohort(
                name=RELAB_COHORT,
                city="Venezia",
                starts_on=STARTS_ON,
                ends_on=ENDS_ON,
                actor=manager,
                partners=RELAB_PARTNERS,
            )
        with clock.on(ENDS_ON):
            close_registration(cohort, manager)
    _tegm(added)
    product_id = db.session.scalar(select(LoanProduct.id).where(LoanProduct.name == DEMO_PRODUCT_NAME))
    listed = people()
    known = {
        user.email: user
        for user in db.session.scalars(select(User).where(User.email.in_([p.email for p in listed])))
    }
    enrolments = {
        e.user_id: e
        for e in db.session.scalars(
            select(Enrolment).where(Enrolment.user_id.in_([u.id for u in known.values()]))
        )
    }
    with_plans = set(
        db.session.scalars(
            select(BusinessPlan.owner_id).where(BusinessPlan.owner_id.in_([u.id for u in known.values()]))
        )
    )
    journey = _Journey(clock, staff, manager, product_id, added)
    dealt = stages(len(listed))
    for person in listed:
        user = known.get(person.email)
        if user is None:
            with clock.on(person.enrolled_on - timedelta(days=3)):
                user = create_user(
                    email=person.email,
                    full_name=person.full_name,
                    password=None,
                    roles=[Role.TRAINEE],
                    actor=manager,
                    locale=person.locale,
                    country=person.country,
                    gender=person.gender,
                    protection_status=person.protection_status,  # from the intake interview
                )
            user.password_hash = password_hash
            added["relab_people"] += 1
            db.session.flush()
        enrolment = enrolments.get(user.id)
        if enrolment is None:
            with clock.on(person.enrolled_on):
                enrolment = enrol(user, cohort, actor=manager)
            added["relab_enrolments"] += 1
        stage, rank = dealt[person.index]
        if stage == "involved":
            continue
        trained_on = person.enrolled_on + timedelta(days=110 + person.index % 25)
        if enrolment.training_completed_at is None:
            with clock.on(trained_on):
                complete_training(enrolment, manager)
        if stage == "trained" or user.id in with_plans:
            continue
        journey.tell(person, user, stage, rank, trained_on)
    # The partners' staff left when the project and its accompaniment were over.
    for user in staff.values():
        if user.active:
            with clock.on(date(2016, 6, 30)):
                set_active(user, False, manager)
    db.session.flush()
    return added


class _Journey:
    """One person's way from a first plan to their loan (or as far as they went), on the days it happened."""

    def __init__(self, clock: _Clock, staff: dict[str, User], manager: User, product_id, added) -> None:
        self.clock = clock
        self.tutors = [user for user in staff.values() if user.has_role(Role.MENTOR)]
        self.officers = [user for user in staff.values() if user.has_role(Role.OFFICER)]
        self.manager = manager
        self.product_id = product_id
        self.added = added

    def tell(self, person: Person, user: User, stage: str, rank: int, trained_on: date) -> None:
        on = self.clock.on
        tutor = self.tutors[person.index % len(self.tutors)]
        with on(trained_on + timedelta(days=2)):
            assign_mentor(user, tutor, self.manager)
        business_type = BUSINESS_TYPES[person.index % len(BUSINESS_TYPES)]
        titles = TITLES[business_type]
        drafted_on = trained_on + timedelta(days=20)
        sent_on = trained_on + timedelta(days=75)
        numbers = get_business_type(business_type).example_numbers("it")
        numbers["start_month"] = (sent_on + timedelta(days=60)).strftime("%Y-%m")
        with on(drafted_on):
            plan = plans.create_plan(
                owner=user,
                business_type=business_type,
                title=titles[person.index % len(titles)],
                from_example=True,
                assumptions=numbers,
            )
            db.session.flush()
        self.added["relab_plans"] += 1
        ended_on = ENDS_ON
        if stage != "drafted":
            ended_on = self._review(person, user, plan, tutor, stage, rank, sent_on)
        assignment = current_assignment(user)
        if assignment is not None:
            with on(max(ended_on, trained_on + timedelta(days=3))):
                end_assignment(assignment, self.manager)

    def _review(self, person, user, plan, tutor, stage, rank, sent_on) -> date:
        on = self.clock.on
        with on(sent_on):
            plans.submit_plan(plan, user)
        decided_on = sent_on + timedelta(days=14)
        if stage == "changes_requested" or (stage == "financed" and rank in RESUBMITTED):
            with on(decided_on):
                plans.request_changes(
                    plan, tutor, "Rivedi le vendite dei primi mesi e aggiungi l'affitto ai costi fissi."
                )
            if stage == "changes_requested":
                return ENDS_ON
            # Back after a pause: the plan changed and sent again, months later.
            sent_on = decided_on + timedelta(days=120)
            with on(sent_on):
                self._edit(plan, user, "Aggiornato dopo il colloquio con il tutor.")
                plans.submit_plan(plan, user)
            decided_on = sent_on + timedelta(days=14)
        with on(decided_on):
            plans.endorse_plan(
                plan, tutor, "Piano solido e numeri coerenti: pronto per la domanda di microcredito."
            )
        if stage == "endorsed":
            self._waive_all(user, tutor, ENDS_ON)
            return ENDS_ON
        return self._credit(person, user, plan, tutor, stage, rank, decided_on)

    def _edit(self, plan: BusinessPlan, user: User, note: str) -> None:
        first = plan.answers[0]
        plans.save_answers(
            plan,
            [
                plans.AnswerEdit(
                    first.question_key, f"{first.text}\n\n({note})", first.language, first.revision
                )
            ],
            user,
        )

    def _credit(self, person, user, plan, tutor, stage, rank, endorsed_on) -> date:
        on = self.clock.on
        proposer, checker = self.officers[rank % 2], self.officers[(rank + 1) % 2]
        # Microcredit opened in 2014; the financed were paid out from February to October.
        applied_on = max(endorsed_on + timedelta(days=20), date(2014, 1, 15) + timedelta(days=17 * rank))
        if stage == "financed":
            amount, rate, months, grace, method = LOANS[rank]
            amount = Decimal(amount)
        else:
            amount, rate, months, grace, method = Decimal(8000), "0.040", 36, 0, "annuity"
        purpose = PURPOSES[plan.business_type]
        if stage == "financed" and rank == REAPPLIED:
            # A first application, sent back to rework the plan; the second one is financed.
            first = self._apply(plan, user, amount, months, grace, purpose, applied_on)
            with on(applied_on + timedelta(days=10)):
                score_application(first, proposer, RATINGS, seen=0)
                note = "Il piano non regge la rata nei mesi invernali: rivedilo con il tutor e ripresenta."
                proposal = applications.propose_decision(
                    first, proposer, applications.SEND_BACK, terms=None, note=note
                )
            with on(applied_on + timedelta(days=12)):
                decisions.confirm(proposal, checker)
            resent_on = applied_on + timedelta(days=60)
            with on(resent_on):
                self._edit(plan, user, "Rivisti i mesi invernali con il tutor.")
                plans.submit_plan(plan, user)
            with on(resent_on + timedelta(days=10)):
                plans.endorse_plan(
                    plan, tutor, "Ora la cassa regge anche d'inverno: pronto per il microcredito."
                )
            applied_on = resent_on + timedelta(days=15)
        application = self._apply(plan, user, amount, months, grace, purpose, applied_on)
        with on(applied_on + timedelta(days=7)):
            score_application(application, proposer, RATINGS, seen=0)
        proposed_on = applied_on + timedelta(days=18)
        if stage in {"rejected", "sent_back"}:
            note = (
                "La rata supera la cassa prevista per il primo anno: il rischio è troppo alto."
                if stage == "rejected"
                else "Servono i preventivi dell'attrezzatura e un contratto d'affitto: ripresenta con questi."
            )
            action = applications.REJECT if stage == "rejected" else applications.SEND_BACK
            with on(proposed_on):
                proposal = applications.propose_decision(application, proposer, action, terms=None, note=note)
            with on(proposed_on + timedelta(days=3)):
                decisions.confirm(proposal, checker)
            self._waive_all(user, tutor, ENDS_ON)
            return ENDS_ON
        paid_out_on = proposed_on + timedelta(days=10)
        terms = {
            "product_id": self.product_id,
            "amount": amount,
            "annual_rate": Decimal(rate),
            "term_months": months,
            "grace_months": grace,
            "method": method,
            "first_due_on": add_months(paid_out_on, 1),
        }
        with on(proposed_on):
            proposal = applications.propose_decision(
                application, proposer, applications.APPROVE, terms=terms, note=""
            )
        with on(proposed_on + timedelta(days=3)):
            decisions.confirm(proposal, checker)
        if stage == "approved":  # not taken up: the person found work and gave up the business
            self._waive_all(user, tutor, ENDS_ON)
            return ENDS_ON
        with on(paid_out_on):
            loan = applications.disburse(
                application, proposer, disbursed_on=paid_out_on, disbursement_method="bank_transfer"
            )
        self.added["relab_loans"] += 1
        self._repay(loan, proposer, late=rank in LATE_QUARTER)
        self._milestones_done(user, tutor)
        return paid_out_on + timedelta(days=400)

    def _apply(self, plan, user, amount, months, grace, purpose, applied_on):
        with self.clock.on(applied_on):
            return applications.apply_for_credit(
                plan.versions[-1],
                user,
                applications.Request(amount, months, grace, purpose, "individual"),
            )

    def _repay(self, loan, officer: User, *, late: bool) -> None:
        """Every installment by bank transfer on its due day; a late payer skips three and pays them
        together three weeks after the third."""
        schedule = schedule_of(loan)
        skipped = {10, 11} if late and len(schedule) > 12 else set()
        held: list = []
        for row in schedule:
            held.append(row)
            if row.number in skipped:
                continue
            rows, held = held, []
            paid_on = row.due_date + timedelta(days=21 if len(rows) > 1 else 0)
            amount = sum((r.total for r in rows), Decimal(0))
            with self.clock.on(paid_on):
                posted = post_repayment(
                    loan,
                    paid_on=paid_on,
                    amount=amount,
                    reference=f"Bonifico rata {rows[-1].number} WB-{loan.id}",
                    key=f"relab-{loan.id}-{rows[-1].number}",
                    actor=officer,
                    today=paid_on,
                )
            self.added["relab_repayments"] += not posted.already

    def _milestones_done(self, user: User, tutor: User) -> None:
        """The business started: registered, first sale, the tutor's reviews, each on its due day."""
        for milestone in milestones_of([user.id])[user.id]:
            if milestone.status != "pending":
                continue
            actor = tutor if milestone.responsible_role == Role.MENTOR.value else user
            evidence = (
                "Colloquio di verifica con il tutor: attività avviata, conti in ordine."
                if actor is tutor
                else "Fatto: documento consegnato al tutor."
            )
            with self.clock.on(milestone.due_on):
                mark_done(milestone, actor, evidence=evidence, base_revision=milestone.revision)

    def _waive_all(self, user: User, tutor: User, day: date) -> None:
        """The business did not start within the project: what was still to do no longer applies."""
        for milestone in milestones_of([user.id])[user.id]:
            if milestone.status == "pending":
                with self.clock.on(day):
                    waive(
                        milestone,
                        tutor,
                        reason="Attività non avviata entro la fine del progetto.",
                        base_revision=milestone.revision,
                    )
