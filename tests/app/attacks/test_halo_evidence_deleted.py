"""A draft the trainee named in a HALO request cannot be deleted out from under the request: the first attempt was a
500 (the foreign key from halo_evidence), and had the key been off the request would have named nothing."""

from __future__ import annotations

from sqlalchemy import select

from tests.app.attacks.helpers import World, as_user, latest_halo
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry


def test_deleting_a_draft_a_halo_request_names_is_refused_not_a_500(app):
    world = World()
    trainee = as_user(app, world.trainee)
    assert trainee.post("/halo/ask/stage-1", data={"evidence": [world.draft.id], "statement": "x"}).status_code == 302
    response = trainee.post(f"/logbook/{world.draft.id}/delete")
    assert response.status_code < 500
    db.session.expire_all()
    assert db.session.scalar(select(EvidenceEntry.id).where(EvidenceEntry.id == world.draft.id)) == world.draft.id
    req = latest_halo()
    assert [e.evidence_id for e in req.evidence] == [world.draft.id]
    assert as_user(app, world.tutor).get(f"/halo/{req.id}").status_code == 200
