"""The manager's data-protection page: the ZIP download, the erasure request and its confirmation, and what a
second submit hears."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from tests.privacy.privacy_support import person_everywhere, staff
from tests.support import login_as
from workbench.audit.models import AuditEvent
from workbench.auth.models import User
from workbench.extensions import db
from workbench.privacy.catalogue import CATALOGUE
from workbench.privacy.models import ErasureRequest


def test_the_export_zip_holds_every_section_the_markers_and_the_plan_pdfs(client, app_context) -> None:
    people = staff()
    someone = person_everywhere(people, with_loan=True)
    login_as(client, people["manager"])
    page = client.get(f"/programme/people/{someone.id}/data-protection")
    assert page.status_code == 200
    # buffered: the ZIP is streamed, each PDF as it is rendered, inside the request's own context
    response = client.post(f"/programme/people/{someone.id}/data-protection/export", buffered=True)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    # streamed: no length is promised (a "Content-Length: 0" would end the download before it starts)
    assert "Content-Length" not in response.headers
    assert response.headers["Content-Disposition"] == f'attachment; filename="person-{someone.id}.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    document = json.loads(archive.read("person.json"))
    assert document["schema_version"] == 1
    assert document["generated_at"]
    assert set(document["sections"]) == set(CATALOGUE)
    text = json.dumps(document, ensure_ascii=False)
    for marker in someone.markers:
        assert marker in text, marker
    assert someone.email in text
    assert someone.phone in text
    assert "password_hash" not in text
    assert "token_hash" not in text
    assert document["sections"]["loans"][0]["id"] == someone.loan_id
    pdfs = [name for name in archive.namelist() if name.endswith(".pdf")]
    assert len(pdfs) == len(document["sections"]["business_plans"]) >= 3
    for name in pdfs:
        assert archive.read(name).startswith(b"%PDF")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.exported"))
    assert event.object_id == someone.id
    assert event.actor_id == people["manager"].id


def test_a_manager_records_and_confirms_an_erasure_and_a_second_submit_is_told(client, app_context) -> None:
    people = staff()
    someone = person_everywhere(people, with_loan=False)
    login_as(client, people["manager"])
    base = f"/programme/people/{someone.id}/data-protection"
    refused = client.post(base + "/erasure", data={"reason": "", "requested_on": "2026-12-01"})
    assert refused.status_code == 422
    assert b"Choose a reason" in refused.data
    future = client.post(base + "/erasure", data={"reason": "person_request", "requested_on": "2999-01-01"})
    assert future.status_code == 422
    assert b"2999-01-01" in future.data  # what was typed stays
    made = client.post(base + "/erasure", data={"reason": "person_request", "requested_on": "2026-12-01"})
    assert made.status_code == 303
    request_id = db.session.scalar(select(ErasureRequest.id))
    wrong = client.post(f"{base}/erasure/{request_id}/confirm", data={"confirm_email": "nobody@example.org"})
    assert wrong.status_code == 422
    assert b"nobody@example.org" in wrong.data
    done = client.post(f"{base}/erasure/{request_id}/confirm", data={"confirm_email": someone.email.upper()})
    assert done.status_code == 303
    again = client.post(
        f"{base}/erasure/{request_id}/confirm", data={"confirm_email": someone.email}, follow_redirects=True
    )
    assert again.status_code == 200
    assert b"already carried out" in again.data
    db.session.expire_all()
    person = db.session.get(User, someone.id)
    assert person.full_name == f"Erased person #{someone.id}"
    page = client.get(base)
    assert someone.email.encode() not in page.data
    assert b"231/2007" not in page.data.split(b"Erasure requests")[-1]
    # The account stays closed for good: no reactivation, no password link, no details typed in again.
    person_page = client.get(f"/programme/people/{someone.id}")
    assert b"erased on request" in person_page.data
    assert b"Reactivate account" not in person_page.data
    assert b"profile-heading" not in person_page.data
    people_base = f"/programme/people/{someone.id}"
    assert client.post(people_base + "/active", data={"active": "1"}).status_code == 403
    assert client.post(people_base + "/reset-link").status_code == 403
    profile = {"country": "SN", "gender": "female", "protection_status": "refugee", "seen": ""}
    assert client.post(people_base + "/profile", data=profile).status_code == 403
    db.session.expire_all()
    person = db.session.get(User, someone.id)
    assert (person.active, person.country, person.gender) == (False, None, None)


def test_a_manager_cannot_erase_their_own_account(client, app_context) -> None:
    people = staff()
    login_as(client, people["manager"])
    base = f"/programme/people/{people['manager'].id}/data-protection"
    response = client.post(base + "/erasure", data={"reason": "person_request", "requested_on": "2026-12-01"})
    assert response.status_code == 403
