"""The trainee edits a draft their open HALO request names; the Faculty Tutor then signs. The HALO kept the content
hash of the draft as it stood at the request, so the signed record named content the tutor never saw (the page only
said "Changed since the request"). Signing now waits for a request whose evidence is as it was asked with."""

from __future__ import annotations

from tests.app.attacks.helpers import World, as_user, latest_halo
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry


def test_a_halo_is_not_signed_over_evidence_changed_since_the_request(app):
    world = World()
    assert (
        as_user(app, world.trainee).post("/halo/ask/stage-1", data={"evidence": [world.draft.id], "statement": "x"}).status_code
        == 302
    )
    req = latest_halo()
    asked_hash = req.evidence[0].content_hash
    entry = db.session.get(EvidenceEntry, world.draft.id)
    entry.title = "Rewritten after the request"
    entry.content_hash = entry.compute_content_hash()
    db.session.commit()
    assert entry.content_hash != asked_hash
    tutor = as_user(app, world.tutor)
    tutor.post(f"/halo/{req.id}/decide", data={"decision": "sign", "comment": "Looks good."})
    req = latest_halo()
    assert not (req.status == "signed" and req.evidence[0].content_hash != entry.content_hash)
    assert req.status == "requested"
    # Returning it (to ask again with the evidence as it stands) still works.
    tutor.post(f"/halo/{req.id}/decide", data={"decision": "return", "comment": "Evidence changed; ask again."})
    assert latest_halo().status == "returned"
