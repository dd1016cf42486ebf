"""What a person may tell the programme about themselves for its reports: gender and protection status.

Both are sensitive: for a refugee, the protection status says why they left their country. Only managers see
and change them (auth.permissions.can_see_sensitive_data); mentors and loan officers never do, and reports
show them in aggregate only, small groups hidden in what leaves the app (workbench/outcomes). A person gives
their gender, if they like, when they register; a manager records the rest from the intake interview.
"""

from __future__ import annotations

import hashlib

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from workbench.auth.models import User

GENDERS = {
    "female": _l("Female"),
    "male": _l("Male"),
    "other": _l("Another gender"),
    "not_said": _l("Prefer not to say"),
}

PROTECTION_STATUSES = {
    "refugee": _l("Refugee status"),
    "subsidiary_protection": _l("Subsidiary protection"),
    #: Italy's humanitarian protection (until 2018) and special protection (since 2020).
    "special_protection": _l("Humanitarian or special protection"),
    "asylum_seeker": _l("Asylum seeker, waiting for a decision"),
    "other": _l("Another residence permit"),
    "not_said": _l("Prefer not to say"),
}


def gender_label(code: str | None) -> str:
    return str(GENDERS[code]) if code in GENDERS else ""


def protection_label(code: str | None) -> str:
    return str(PROTECTION_STATUSES[code]) if code in PROTECTION_STATUSES else ""


def gender_choices() -> list[SelectChoice]:
    """ "" first: not given."""
    return [SelectChoice("", "—"), *(SelectChoice(code, label) for code, label in GENDERS.items())]


def protection_choices() -> list[SelectChoice]:
    statuses = PROTECTION_STATUSES.items()
    return [SelectChoice("", "—"), *(SelectChoice(code, label) for code, label in statuses)]


def profile_digest(user: User) -> str:
    """A fingerprint of the details as stored (country, gender, protection status): the form carries the one
    it was made from, so that a save from a page loaded before another manager's change is refused instead
    of writing over it."""
    stored = "|".join((user.country or "", user.gender or "", user.protection_status or ""))
    return hashlib.sha256(f"{user.id}|{stored}".encode()).hexdigest()[:16]
