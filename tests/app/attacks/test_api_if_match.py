"""If-Match is the API's version guard, as the edit page's hidden row version and the decision form's seen hash are
the pages': a change or a decision must name the version the caller read. "*" (any version), a weak ETag, the ETag
of another entry, or a list of tags none of which is the current one must not stand in for it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.app.signoff.helpers import cast, request_via_app
from tests.factories import EvidenceFactory, TraineeFactory
from tests.support.api import assert_problem, bearer
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, SignOff, SignOffRequest

WRITE = ("read", "evidence:write")


def _etag(client, url: str, headers: dict) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.headers["ETag"]


def test_if_match_star_does_not_stand_in_for_the_version_read(client):
    trainee = TraineeFactory()
    entry = EvidenceFactory(trainee=trainee)
    headers = bearer(trainee, WRITE)
    response = client.patch(f"/api/v1/evidence/{entry.id}", json={"title": "Blind"}, headers={**headers, "If-Match": "*"})
    body = assert_problem(response, 428)
    assert "ETag" in body["detail"]
    db.session.expire_all()
    assert db.session.get(EvidenceEntry, entry.id).title == "Pain clinic"


@pytest.mark.parametrize("form", ["weak", "other entry", "list without it"])
def test_an_if_match_that_is_not_the_entrys_current_etag_is_412(client, form):
    trainee = TraineeFactory()
    entry, other = EvidenceFactory(trainee=trainee), EvidenceFactory(trainee=trainee)
    headers = bearer(trainee, WRITE)
    etag = _etag(client, f"/api/v1/evidence/{entry.id}", headers)
    other_etag = _etag(client, f"/api/v1/evidence/{other.id}", headers)
    sent = {"weak": f"W/{etag}", "other entry": other_etag, "list without it": f'{other_etag}, "0", W/{etag}'}[form]
    response = client.patch(f"/api/v1/evidence/{entry.id}", json={"title": "Blind"}, headers={**headers, "If-Match": sent})
    assert_problem(response, 412)
    db.session.expire_all()
    assert db.session.get(EvidenceEntry, entry.id).title == "Pain clinic"


@pytest.mark.parametrize("form", ["*", "weak", "a list with star"])
def test_a_signature_needs_the_strong_etag_of_the_content_read(client, login, form):
    people = cast()
    entry = EvidenceFactory(trainee=people.owner, title="Caudal epidural")
    signoff_request = request_via_app(client, login, people, entry)
    headers = bearer(people.supervisor, ("read", "signoff"))
    etag = _etag(client, f"/api/v1/signoff/requests/{signoff_request.id}", headers)
    sent = {"*": "*", "weak": f"W/{etag}", "a list with star": '"0", *'}[form]
    response = client.post(
        f"/api/v1/signoff/requests/{signoff_request.id}/sign",
        json={"level": "3", "feedback": "Fine."},
        headers={**headers, "If-Match": sent},
    )
    assert response.status_code in (412, 428), response.get_data(as_text=True)
    assert_problem(response, response.status_code)
    db.session.expire_all()
    assert db.session.get(SignOffRequest, signoff_request.id).status == "pending"
    assert db.session.scalar(select(func.count()).select_from(SignOff)) == 0
