"""The four roles of the programme. A person may hold several."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    TRAINEE = "trainee"
    MENTOR = "mentor"
    OFFICER = "officer"
    MANAGER = "manager"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.TRAINEE: _l("Trainee"),
    Role.MENTOR: _l("Mentor"),
    Role.OFFICER: _l("Loan officer"),
    Role.MANAGER: _l("Programme manager"),
}

#: How a count of people in a role is headed on the programme page.
ROLE_GROUP_LABELS = {
    Role.TRAINEE: _l("Trainees"),
    Role.MENTOR: _l("Mentors"),
    Role.OFFICER: _l("Loan officers"),
    Role.MANAGER: _l("Programme managers"),
}

#: Staff roles a manager can grant; trainees join through a cohort invite code.
STAFF_ROLES = (Role.MANAGER, Role.OFFICER, Role.MENTOR)
