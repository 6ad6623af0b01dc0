"""Issuing a small document for the verify tests, as a feature would."""

from __future__ import annotations

from trainee_portal.extensions import db
from trainee_portal.platform.pdf import stamped_document
from trainee_portal.verify import services


def issue_note(trainee, actor=None, covered=None, kind="portfolio"):
    """A one-page stamped document for the trainee, committed; returns (export, bytes)."""

    def build(stamp):
        document = stamped_document(f"Note – {trainee.name}", stamp)
        document.paragraph(f"A note about {trainee.name}.")
        return document.finish()

    export, data = services.issue(
        kind=kind, trainee_id=trainee.id, actor=actor, covered=covered or {"evidence_entries": 3}, build=build
    )
    db.session.commit()
    return export, data
