"""Four languages: every UI string is in the catalogues, the choice is remembered, Arabic is right-to-left,
and money, numbers and dates follow the locale."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po
from babel.numbers import format_currency as babel_format_currency
from babel.numbers import format_decimal as babel_format_decimal
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.audit.models import AuditEvent
from workbench.extensions import db
from workbench.plans import services
from workbench.web.templating import amounts, day, money, number

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = ("it", "fr", "ar")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def catalogue(language: str):
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def template_ids() -> set[str]:
    with open(ROOT / "translations" / "messages.pot", "rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def test_the_template_catalogue_is_up_to_date_with_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--ignore-dirs",
            ".*",  # the default also skips "_*" folders, which would miss templates/_macros
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(fresh, "rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    assert extracted - template_ids() == set(), "run `make messages` and translate the new strings"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated_with_the_same_placeholders(language: str) -> None:
    messages = {m.id: m for m in catalogue(language) if m.id}
    missing = sorted(template_ids() - {i for i, m in messages.items() if m.string and not m.fuzzy})
    assert missing == [], f"untranslated in {language}: {missing[:5]}"
    for message in messages.values():
        if message.string:
            assert set(PLACEHOLDER.findall(str(message.id))) == set(
                PLACEHOLDER.findall(str(message.string))
            ), message.id


def test_language_switch_is_remembered_for_visitors_and_arabic_is_rtl(client: FlaskClient) -> None:
    assert 'dir="ltr"' in client.get("/login").get_data(as_text=True)
    response = client.post("/language", data={"locale": "ar", "next": "/login"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/login")
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    expected = {m.id: m.string for m in catalogue("ar")}["Log in"]
    assert expected in html


def test_browser_language_is_used_until_a_choice_is_made(client: FlaskClient) -> None:
    html = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in html
    assert {m.id: m.string for m in catalogue("fr")}["Log in"] in html
    html = client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="it"' in html  # Italian when the browser asks for none of ours


def test_a_logged_in_persons_choice_is_saved_on_their_account(signed_in: FlaskClient, trainee) -> None:
    signed_in.post("/language", data={"locale": "ar", "next": "/path"})
    db.session.refresh(trainee)
    assert trainee.locale == "ar"
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "user.language_changed")
    ).one()
    assert event.before == {"locale": "fr"}
    assert event.after == {"locale": "ar"}
    assert 'dir="rtl"' in signed_in.get("/path").get_data(as_text=True)


def test_an_unknown_language_is_refused(client: FlaskClient) -> None:
    assert client.post("/language", data={"locale": "xx"}).status_code == 400


def test_an_outside_address_is_never_followed_after_switching(client: FlaskClient) -> None:
    response = client.post("/language", data={"locale": "en", "next": "https://elsewhere.example/"})
    assert response.headers["Location"] in {"/", "http://workbench.test/"}


@pytest.mark.parametrize(
    ("language", "amount", "expected"),
    [
        ("it", "1234.5", "1.234,50\xa0€"),
        ("en", "1234.5", "€1,234.50"),
        ("fr", "1234.5", "1\u202f234,50\xa0€"),
        ("it", "-0.05", "-0,05\xa0€"),
    ],
)
def test_money_follows_the_locale(app: Flask, language: str, amount: str, expected: str) -> None:
    with app.test_request_context(), force_locale(language):
        assert money(Decimal(amount)) == expected


def test_arabic_money_keeps_the_cents_and_the_currency(app: Flask) -> None:
    with app.test_request_context(), force_locale("ar"):
        shown = money(Decimal("1234.50"))
    assert "€" in shown or "EUR" in shown
    digits = re.sub(r"\D", "", shown.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")))
    assert digits == "123450"


def test_the_locale_name_remembered_for_a_request_follows_each_change_of_language(app: Flask) -> None:
    """money() writes the locale's name out once per request: nested force_locale blocks and a next request
    in another language still get their own."""
    amount = Decimal("-1234.5")
    with app.test_request_context(), force_locale("it"):
        assert money(amount) == "-1.234,50\xa0€"
        with force_locale("en"):
            assert money(amount) == "-€1,234.50"
        assert money(amount) == "-1.234,50\xa0€"
    with app.test_request_context(), force_locale("fr"):
        assert money(amount) == babel_format_currency(amount, "EUR", locale="fr")
        assert number(Decimal("1234.5")) == babel_format_decimal(Decimal("1234.5"), locale="fr")


def test_numbers_and_dates_follow_the_locale(app: Flask) -> None:
    with app.test_request_context():
        with force_locale("it"):
            assert number(Decimal("12345.6")) == "12.345,6"
            assert day(date(2026, 3, 2)) == "2 mar 2026"
        with force_locale("en"):
            assert number(Decimal("12345.6")) == "12,345.6"
            assert day(date(2026, 3, 2)) == "Mar 2, 2026"
        with force_locale("fr"):
            assert day(date(2026, 3, 2)) == "2 mars 2026"


@settings(max_examples=300, deadline=None)
@given(
    value=st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False)
    | st.integers(min_value=-(10**9), max_value=10**9),
    language=st.sampled_from(("it", "en", "fr", "ar")),
)
def test_numbers_are_written_as_babel_writes_them(app: Flask, value, language: str) -> None:
    """number(), amounts() and money() format directly for speed; they must agree with Babel everywhere."""
    with app.test_request_context(), force_locale(language):
        assert number(value) == babel_format_decimal(value, locale=language)
        assert amounts([value]) == [babel_format_decimal(value, format="#,##0.00", locale=language)]
        assert money(value) == babel_format_currency(value, "EUR", locale=language)


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(
        st.sampled_from(("0", "-0", "0.00", "-0.001", "1.5", "1.50", "-1.5", "1234.565", "1234.575", "7")),
        min_size=1,
        max_size=24,
    ),
    language=st.sampled_from(("it", "en", "fr", "ar")),
)
def test_a_row_with_repeated_amounts_is_written_as_babel_writes_each(app: Flask, values, language) -> None:
    """amounts() formats each distinct amount of a row once: equal amounts written differently (0 and -0)
    must still come out as Babel writes each of them."""
    row = [Decimal(value) for value in values]
    with app.test_request_context(), force_locale(language):
        assert amounts(row) == [babel_format_decimal(v, format="#,##0.00", locale=language) for v in row]


def test_chart_axes_drop_cents_only_from_whole_amounts(app: Flask) -> None:
    with app.test_request_context(), force_locale("it"):
        assert money(Decimal("15000"), cents=False) == "15.000\xa0€"
        assert money(Decimal("2.5"), cents=False) == "2,50\xa0€"
        assert money(Decimal("15000")) == "15.000,00\xa0€"


def test_amounts_sums_rows_month_by_month(app: Flask) -> None:
    with app.test_request_context(), force_locale("it"):
        assert amounts([Decimal("10.5"), Decimal(0)], [Decimal("1200"), Decimal("-0.25")]) == [
            "1.210,50",
            "-0,25",
        ]


def test_switching_language_after_an_invalid_no_js_post_returns_to_the_page_not_a_405(
    signed_in: FlaskClient, trainee
) -> None:
    client = signed_in
    plan = services.create_plan(owner=trainee, business_type="food", title="Fatou's Kitchen")
    db.session.commit()
    page = f"/plans/{plan.id}/sections/startup"
    client.get(page)
    posted = client.post(
        f"/plans/{plan.id}/numbers/startup",
        data={"own_funds": "1e3", "assumptions_rev": "1"},
        headers={"Referer": f"http://workbench.test{page}"},
    )
    assert posted.status_code == 422
    back = re.search(r'name="next" value="([^"]*)"', posted.get_data(as_text=True))
    assert back
    assert back.group(1) == page  # the page the form was on, not the POST-only URL
    switched = client.post("/language", data={"locale": "en", "next": back.group(1)})
    assert switched.status_code == 303
    assert client.get(switched.headers["Location"]).status_code == 200


def test_the_language_switch_never_redirects_to_a_url_that_only_posts(signed_in: FlaskClient) -> None:
    client = signed_in
    response = client.post("/language", data={"locale": "en", "next": "/plans/1/numbers/startup"})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/"
    kept = client.post("/language", data={"locale": "en", "next": "/plans?x=1"})
    assert kept.headers["Location"].endswith("/plans?x=1")
