"""Form helpers shared by every domain."""

from __future__ import annotations

import unicodedata

from flask import flash
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from workbench.errors import DomainError


def apply_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Copy a service's reasons onto the form, next to the fields they are about."""
    for field_name, message in error.errors.items():
        field = getattr(form, field_name, None) if field_name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors), message]
        else:
            form.form_errors.append(message)


def keep_typed_over_stale(form: FlaskForm, error: DomainError, revision: int) -> None:
    """Someone else's edit was stored first: say so, keep what this person typed on the form, and let their
    next save replace the stored version (the form now carries its revision)."""
    flash(error.errors[""], "error")
    flash(_("What you typed is kept below; save again to replace theirs."), "info")
    form.revision.data = revision
    form.revision.raw_data = [str(revision)]


#: ISO 3166-1 alpha-2 codes of countries and inhabited territories. CLDR's list (babel) also names regions and
#: groupings (EU, EZ, UN, QO), pseudo-locales (XA, XB), "unknown" (ZZ), reserved codes that are not ISO 3166-1
#: countries (AC, CP, CQ, DG, EA, IC, TA) and uninhabited places (AQ, BV, HM, GS, TF, UM): none is a country
#: a person comes from. XK (Kosovo) is kept: not in ISO 3166-1, but a country Italy recognises, coded XK by
#: the EU and CLDR.
_COUNTRY_CODES = """
    AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK
    FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GT GU GW GY HK HN HR HT HU ID IE IL IM IN IO IQ IR IS
    IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
    ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL
    PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC
    TD TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
    """
COUNTRY_CODES = frozenset(_COUNTRY_CODES.split())


def collation_key(text: str) -> tuple[str, str]:
    """A sort key close to the Unicode collation of the reader's language without ICU: letters compared
    without accents or case first ("Égypte" beside "Espagne", "Åland" with the A's), then as written to break
    ties. Arabic names sort by their letters, their vowel marks ignored the same way."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    base = "".join(c for c in folded if not unicodedata.combining(c))
    base = base.replace("œ", "oe").replace("æ", "ae").replace("ø", "o").replace("ł", "l").replace("đ", "d")
    base = "".join(c for c in base if c.isalnum() or c.isspace())
    return base, text


def country_choices() -> list[SelectChoice]:
    """Countries named in the reader's language, sorted by that name as the language sorts; "" first for
    "not given"."""
    territories = get_locale().territories
    names = sorted(
        ((code, name) for code, name in territories.items() if code in COUNTRY_CODES),
        key=lambda pair: collation_key(pair[1]),
    )
    return [SelectChoice("", "—"), *(SelectChoice(code, name) for code, name in names)]
